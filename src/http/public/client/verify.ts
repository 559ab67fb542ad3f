/// <reference lib="dom" />
/**
 * 核验 in the visitor's browser: the project's own verification (src/domain/draw.ts,
 * bundled with seedrandom) over a public record, with WebCrypto's SHA-256.
 */
import { verifyPublicRecord, type PublicDrawRecord, type PublicVerifyResult } from '../../../domain/publicRecord';
import { fillMissing, forget } from './sha256-shim';

/** Runs the domain's verification until every SHA-256 it needs is known. */
export async function verifyInBrowser(record: PublicDrawRecord, announcementDigest?: string): Promise<PublicVerifyResult> {
  forget();
  const inputs = announcementDigest ? { announced: { announcementDigest } } : {};
  for (let round = 0; round < 20; round++) {
    const r = verifyPublicRecord(record, inputs);
    if (!(await fillMissing())) return r;
  }
  return { ok: false, first: '重算未能完成' };
}

function show(box: HTMLElement, ok: boolean | undefined, text: string): void {
  box.textContent = text;
  box.className = ok === undefined ? 'verdict' : ok ? 'verdict ok' : 'verdict bad';
}

async function check(box: HTMLElement, text: string, source: string, digest?: string): Promise<void> {
  let record: PublicDrawRecord;
  try {
    record = JSON.parse(text) as PublicDrawRecord;
  } catch {
    show(box, false, `无法读取${source}：不是有效的 JSON 文件`);
    return;
  }
  show(box, undefined, '正在重算……');
  const r = await verifyInBrowser(record, digest);
  if (r.ok && r.complete) {
    show(box, true, `一致：${source}（计划 ${record.planNo}，${record.n} 户中抽中 ${record.k} 户）在您的浏览器中重算，种子承诺值、快照摘要、抽取数量k、抽中主体和检查人员全部一致。`);
  } else if (r.ok) {
    show(box, true, `一致：${source}（计划 ${record.planNo}，${record.n} 户中抽中 ${record.k} 户）在您的浏览器中重算，种子承诺值、快照摘要、抽取数量k和抽中主体全部一致；`
      + `每个检查组的人员都在公布的人员名录中，人数和组长符合规则。本次人员分派涉及 ${r.withheld} 项回避申报，属个人信息，依法不公开，`
      + '因此检查人员无法逐人重算；联席办、司法局可用含回避申报的完整记录（npm run cli -- draw export）逐人核验。');
  } else {
    show(box, false, `不一致：${r.first}`);
  }
}

function start(): void {
  const box = document.getElementById('verdict');
  if (!box) return;
  const button = document.getElementById('verify-button') as HTMLButtonElement | null;
  const file = document.getElementById('record-file') as HTMLInputElement | null;
  const digest = box.dataset.digest || undefined;
  if (button) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      show(box, undefined, '正在下载公开记录……');
      try {
        const res = await fetch(button.dataset.record ?? '', { cache: 'no-store' });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        await check(box, await res.text(), '本站的公开记录', digest);
      } catch (e) {
        show(box, false, `下载公开记录失败：${e instanceof Error ? e.message : String(e)}`);
      }
    });
  }
  if (file) {
    file.addEventListener('change', async () => {
      const f = file.files?.[0];
      if (!f) return;
      await check(box, await f.text(), `文件 ${f.name}`, digest);
    });
  }
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}
