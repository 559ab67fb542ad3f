/**
 * The public site (一公开) under /gongshi/: server-rendered Chinese pages that
 * work without JavaScript, each with a JSON twin under /gongshi/api/. Read-only:
 * GET and HEAD only, every other method is refused; unknown paths are 404.
 * Every answer carries a Content-Security-Policy and the usual security headers.
 * When the database is slow or down, the last good answer is served from memory
 * and the page says so.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Koa from 'koa';
import Router from '@koa/router';
import type { Repos } from '../../../store/repos';
import { beijingDate, beijingTime } from '../../domain/calendar';
import { paged, publicityService, type Paged, type PublicDraw, type PublicEntity, type PublicResultNotice, type PublicResults, type PublicityService } from '../../services/publicity';
import { buildVerifyBundle } from './bundle';
import { html, raw, type Html } from './html';

export const BASE = '/gongshi';

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const TABS = [
  ['items', '抽查事项清单'],
  ['plans', '抽查计划公告'],
  ['draws', '抽查任务公告'],
  ['results', '抽查结果公告'],
  // The complaint form (./complaints.ts) is served beside the site; its tab is the fifth.
  ['tousu', '投诉举报'],
] as const;
type Tab = (typeof TABS)[number][0] | 'search' | 'verify' | 'docs' | '';

const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.6 -apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1f2328;background:#f6f7f9}
header{background:#b3261e;color:#fff;padding:12px 16px}header a{color:#fff;text-decoration:none}header h1{margin:0;font-size:1.2em}
nav{display:flex;flex-wrap:wrap;gap:4px;padding:8px 12px;background:#fff;border-bottom:1px solid #ddd}nav a{padding:6px 10px;border-radius:4px;color:#b3261e;text-decoration:none}
nav a.on{background:#b3261e;color:#fff}main{max-width:1100px;margin:0 auto;padding:12px 16px}
form.search{display:flex;gap:6px;margin:8px 0}form.search input{flex:1;min-width:0;padding:8px;font-size:1em}form.search button{padding:8px 14px}
.scroll{overflow-x:auto;background:#fff}table{border-collapse:collapse;width:100%;font-size:.95em}th,td{border:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0;white-space:nowrap}td.hash{min-width:18em}code,.hash{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all;font-size:.9em}
.pager{margin:10px 0;display:flex;gap:12px;flex-wrap:wrap}.muted{color:#666}.stale{background:#fff4ce;border:1px solid #e0c060;padding:8px}
.void{background:#fde7e9;border:1px solid #d13438;padding:8px}.verdict{margin:10px 0;padding:10px;background:#fff;border:1px solid #ccc;white-space:pre-wrap}
.verdict.ok{border-color:#107c10;background:#e7f5e7}.verdict.bad{border-color:#d13438;background:#fde7e9}button{font-size:1em;padding:8px 16px}
pre.doc{white-space:pre-wrap;background:#fff;padding:12px;border:1px solid #ddd}footer{max-width:1100px;margin:20px auto;padding:0 16px;color:#666;font-size:.85em}
`;

class NotFound extends Error {}
class Unavailable extends Error {}

export interface PublicSiteOptions {
  repos: Repos;
  now?: () => Date;
  /** Where result notices come from (results entry); none until then. */
  results?: PublicResults;
  /** A database answer slower than this is replaced by the cached one (ms). */
  timeoutMs?: number;
  /** How long an answer is reused without asking the database again (ms). */
  freshMs?: number;
  /** How many answers the cache keeps. */
  cacheSize?: number;
}

interface Loaded<T> {
  value: T;
  /** Set when the value comes from the cache because the database did not answer in time. */
  staleSince?: Date;
}

/** The last good answer per key: reused while fresh, served (marked stale) when the database fails or is slow. */
function answerCache(now: () => Date, timeoutMs: number, freshMs: number, size: number) {
  const entries = new Map<string, { at: number; value: unknown }>();
  // One database read per key at a time: requests arriving while it runs share it (no stampede when an answer expires).
  const inflight = new Map<string, Promise<unknown>>();
  const store = (key: string, value: unknown) => {
    entries.delete(key);
    entries.set(key, { at: now().getTime(), value });
    if (entries.size > size) entries.delete(entries.keys().next().value as string);
  };
  return async function load<T>(key: string, fn: () => Promise<T>): Promise<Loaded<T>> {
    const hit = entries.get(key);
    if (hit && now().getTime() - hit.at < freshMs) return { value: hit.value as T };
    let pending = inflight.get(key) as Promise<T> | undefined;
    if (!pending) {
      const started = fn().then((v) => {
        store(key, v);
        return v;
      });
      pending = started;
      inflight.set(key, started);
      const done = () => { if (inflight.get(key) === started) inflight.delete(key); };
      started.then(done, done);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Unavailable('timeout')), timeoutMs);
    });
    try {
      return { value: await Promise.race([pending, timeout]) };
    } catch (err) {
      pending.catch(() => undefined);
      // A read that did not answer in time is not waited for again: the next request asks anew.
      if (inflight.get(key) === pending) inflight.delete(key);
      if (err instanceof NotFound) throw err;
      if (hit) return { value: hit.value as T, staleSince: new Date(hit.at) };
      throw new Unavailable(err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
    }
  };
}

const url = (p: string, q: Record<string, string | number | undefined> = {}): string => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') s.set(k, String(v));
  const qs = s.toString();
  return `${BASE}${p}${qs ? `?${qs}` : ''}`;
};

function layout(o: { title: string; tab: Tab; body: Html; staleSince?: Date; query?: string }): string {
  const tabs = TABS.map(([id, label]) => html`<a href="${url(`/${id}`)}"${raw(o.tab === id ? ' class="on" aria-current="page"' : '')}>${label}</a>`);
  return `<!doctype html>${html`<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${o.title} - 双随机、一公开</title><link rel="stylesheet" href="${url('/static/site.css')}"></head><body>
<header><h1><a href="${url('/')}">双随机、一公开 公示</a></h1></header>
<nav aria-label="栏目">${tabs}</nav>
<main>
<form class="search" method="get" action="${url('/search')}" role="search"><input type="search" name="q" value="${o.query ?? ''}" placeholder="市场主体名称或统一社会信用代码" aria-label="查询市场主体"><button type="submit">查询</button></form>
${o.staleSince ? html`<p class="stale" role="status">数据库响应缓慢，本页为 ${beijingTime(o.staleSince)}（北京时间）的缓存内容，稍后刷新可看到最新内容。</p>` : ''}
<h2>${o.title}</h2>
${o.body}
</main>
<footer>本站只读公开：抽查事项、计划、抽取过程与结果。数据接口见各页“JSON”链接。<a href="${url('/docs/draw')}">抽取规则与核验方法</a></footer>
</body></html>`.text}`;
}

function pager(p: Paged<unknown>, base: string, q: Record<string, string | number | undefined>, param = 'page'): Html {
  if (p.pages <= 1) return html`<p class="muted">共 ${p.total} 条</p>`;
  return html`<p class="pager">${p.page > 1 ? html`<a href="${url(base, { ...q, [param]: p.page - 1 })}">上一页</a>` : ''}
<span>第 ${p.page} / ${p.pages} 页，共 ${p.total} 条</span>${p.page < p.pages ? html`<a href="${url(base, { ...q, [param]: p.page + 1 })}">下一页</a>` : ''}</p>`;
}

const table = (head: string[], rows: Html[]): Html =>
  html`<div class="scroll"><table><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`;

const jsonLink = (p: string, q: Record<string, string | number | undefined> = {}): Html => html`<p class="muted"><a href="${url(`/api${p}`, q)}">JSON</a></p>`;

function resultNotices(notices: PublicResultNotice[]): Html {
  if (notices.length === 0) return html`<p>暂无</p>`;
  return html`${notices.map((n) => html`<section><h3>${n.title}</h3><p class="muted">公示日期：${n.publishedOn}${n.deadline ? `　公示期限：${n.deadline}（检查完成后20个工作日内）` : ''}</p>
${n.correcting ? html`<p class="stale">更正中：${n.correcting}。更正后的内容经审核后公示，此前公示的内容如下。</p>` : ''}
${table(['抽查计划编号', '抽查计划名称', '抽查任务编号', '抽查任务名称', '抽查类型', '检查机关', '检查完成日期', '市场主体名称', '统一社会信用代码', '检查结果', '备注'],
    n.rows.map((r) => html`<tr><td>${r.planNo}</td><td>${r.planName}</td><td>${r.taskNo}</td><td>${r.taskName}</td><td>${r.kind}</td><td>${r.authority}</td><td>${r.completedOn}</td><td>${r.entityName}</td><td>${r.creditCode}</td><td>${r.result}</td><td>${r.remark}</td></tr>`))}
${n.corrections.map((c) => html`<p class="void">更正（${c.date}）：${c.reason}<br>更正前：${c.earlier}</p>`)}</section>`)}`;
}

function drawPage(d: PublicDraw): Html {
  const row = (k: string, v: Html | string | number) => html`<tr><th>${k}</th><td>${v}</td></tr>`;
  const hash = (s: string) => html`<span class="hash">${s}</span>`;
  const voided = d.status === 'voided' ? html`<p class="void"><strong>此抽取已作废</strong>（${d.voidedAt}）：${d.voidReason}</p>` : '';
  const commitment = table(['项目', '内容'], [
    row('抽取编号', d.drawNo), row('抽查计划编号', html`<a href="${url('/plans', { year: d.year, q: d.planNo })}">${d.planNo}</a>`),
    row('牵头部门', d.department), row('参与部门', d.departments.join('、')), row('对象库', d.pool),
    ...(d.filter ? [row('筛选条件', d.filter)] : []), ...(d.sampling ? [row('抽取规则', d.sampling)] : []),
    row('主体总数 n', d.n), row('抽取数量 k', d.k), row('快照摘要', hash(d.snapshotDigest)), row('种子承诺值', hash(d.seedCommitment)),
    row('人员名录摘要', hash(d.rosterDigest)), row('公布摘要', hash(d.announcementDigest)), row('承诺公布时间', d.announcedAt || d.createdAt),
  ]);
  const reveal = d.seed
    ? table(['项目', '内容'], [row('种子', hash(d.seed)), row('公开值', d.publicValue || '（无）'), row('有效种子', hash(d.effectiveSeed)), ...(d.revealedAt ? [row('开奖时间', d.revealedAt)] : [])])
    : html`<p>待开奖：种子保密，开奖后公布。</p>`;
  const teams = d.teams.length
    ? table(['序号', '市场主体名称', '统一社会信用代码', '任务编号', '检查人员'], d.teams.map((t, i) => html`<tr><td>${i + 1}</td><td>${t.entityName}</td><td>${t.creditCode}</td><td>${t.taskNo}</td><td>${t.officers.map((o, j) => html`${j ? '、' : ''}${o.name}（${o.department}${o.role ? `，${o.role}` : ''}）`)}</td></tr>`))
    : html`<p>${d.failure ? `开奖后未能完成分派：${d.failure}` : '暂无抽取结果。'}</p>`;
  const verify = d.hasRecord
    ? html`<h3>四、核验</h3>
<p>任何人都可以核验这次抽取：种子在抽取前已用“种子承诺值”（种子的 SHA-256）锁定，主体名单和人员名录也已用摘要锁定；开奖后公布种子，按公开的规则重新计算，应得到完全相同的抽中主体和检查人员。</p>
<p>点击“核验”，本页会下载公开记录，在您的浏览器中重新计算种子承诺值、快照摘要、抽取数量 k、抽中主体和检查人员，并告诉您“一致”或第一处不一致。您也可以选择自己保存的记录文件来核验。</p>
<p><button type="button" id="verify-button" data-record="${url(`/draws/${d.drawNo}/record.json`)}" hidden>核验</button>
<a href="${url(`/draws/${d.drawNo}/record.json`)}" download="${d.drawNo}.json">下载公开记录（JSON）</a></p>
<p><label>用自己的记录文件核验：<input type="file" id="record-file" accept=".json,application/json"></label></p>
<div id="verdict" class="verdict" aria-live="polite" data-digest="${d.announcementDigest}">未启用脚本时，可下载公开记录，按<a href="${url('/docs/draw')}">抽取规则</a>自行计算，或用命令 <code>npm run cli -- draw verify 记录文件.json --digest ${d.announcementDigest}</code> 核验。</div>
<script src="${url('/static/verify.js')}" defer></script>`
    : '';
  return html`${voided}<p>状态：${d.statusText}</p>
<h3>一、抽取承诺（开奖前公布）</h3>${commitment}
<h3>二、开奖</h3>${reveal}
<h3>三、抽中主体与检查人员</h3>${teams}
${verify}
<p class="muted"><a href="${url(`/api/draws/${d.drawNo}`)}">JSON</a> · <a href="${url('/docs/draw')}">抽取规则与核验方法（docs/draw.md）</a></p>`;
}

function entityBlock(e: PublicEntity): Html {
  const tasks = e.tasks.length
    ? table(['任务编号', '检查部门', '抽查计划', '抽取编号', '检查时段', '状态'], e.tasks.map((t) => html`<tr><td>${t.taskNo}</td><td>${t.departments.join('、')}</td><td>${t.planNos.join('、')}</td><td>${t.drawNos.map((n, i) => html`${i ? '、' : ''}<a href="${url(`/draws/${n}`)}">${n}</a>`)}</td><td>${t.window.from} 至 ${t.window.to}</td><td>${t.status}</td></tr>`))
    : html`<p class="muted">未被抽中检查。</p>`;
  return html`<section><h3>${e.name}</h3><p>统一社会信用代码：<span class="hash">${e.creditCode}</span></p><h4>抽查任务</h4>${tasks}<h4>检查结果</h4>${resultNotices(e.results)}</section>`;
}

const pageOf = (ctx: Koa.Context, name = 'page'): number => Math.max(1, Number.parseInt(String(ctx.query[name] ?? '1'), 10) || 1);

function docsText(): string {
  try {
    return readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'draw.md'), 'utf8');
  } catch {
    return '';
  }
}

/** The site as one Koa middleware answering everything under /gongshi. */
export function publicSite(opts: PublicSiteOptions): Koa.Middleware {
  const now = opts.now ?? (() => new Date());
  const svc: PublicityService = publicityService(opts.repos, { results: opts.results });
  const load = answerCache(now, opts.timeoutMs ?? 2000, opts.freshMs ?? 5000, opts.cacheSize ?? 500);
  // Records hold the whole snapshot (about 20 bytes per entity): fewer of them are kept.
  const loadRecord = answerCache(now, opts.timeoutMs ?? 2000, opts.freshMs ?? 5000, 20);
  const bundle = buildVerifyBundle();
  bundle.catch(() => undefined);
  const doc = docsText();
  const thisYear = () => Number(beijingDate(now()).slice(0, 4));
  const yearOf = (ctx: Koa.Context): number => {
    const y = String(ctx.query.year ?? '');
    return /^\d{4}$/.test(y) ? Number(y) : thisYear();
  };
  const router = new Router({ prefix: BASE });

  const page = (ctx: Koa.Context, o: Parameters<typeof layout>[0]) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = layout(o);
  };
  // A page is rendered (and encoded as UTF-8) once per answer the cache holds (and per query string), not per request.
  const renderedPages = new WeakMap<object, Map<string, Buffer>>();
  const cachedPage = (ctx: Koa.Context, l: Loaded<object>, build: () => Parameters<typeof layout>[0]) => {
    let byQuery = renderedPages.get(l.value);
    if (!byQuery) renderedPages.set(l.value, (byQuery = new Map()));
    const key = `${ctx.querystring}|${l.staleSince?.getTime() ?? ''}`;
    let page = byQuery.get(key);
    if (page === undefined) {
      page = Buffer.from(layout(build()), 'utf8');
      if (byQuery.size < 50) byQuery.set(key, page);
    }
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page;
  };
  const json = (ctx: Koa.Context, loaded: Loaded<unknown>, data: Record<string, unknown>) => {
    ctx.body = { ...data, ...(loaded.staleSince ? { stale: true, cachedAt: loaded.staleSince.toISOString() } : {}) };
  };

  const itemsData = () => load('items', () => svc.items());
  const plansData = (year: number) => load(`plans:${year}`, () => svc.plans(year));
  const drawsData = (year: number) => load(`draws:${year}`, () => svc.draws(year));
  const resultsData = (year: number) => load(`results:${year}`, () => svc.results(year));
  const drawData = (no: string) => load(`draw:${no}`, async () => {
    const d = await svc.draw(no);
    if (!d) throw new NotFound(no);
    return d;
  });
  const searchData = (q: string) => load(`search:${q}`, () => svc.search(q));

  router.get('/', (ctx) => ctx.redirect(url('/items')));
  router.get('/items', async (ctx) => {
    const l = await itemsData();
    const items = paged(l.value.items, pageOf(ctx));
    const joint = paged(l.value.joint, pageOf(ctx, 'jpage'));
    const q = { page: items.page, jpage: joint.page };
    page(ctx, {
      title: '抽查事项清单', tab: 'items', staleSince: l.staleSince, body: html`
<p>各部门的随机抽查事项，每项列明检查依据和对应的行政权力清单编码。</p>
${table(['部门', '事项编码', '事项名称', '检查依据', '权力清单编码', '适用库'], items.rows.map((i) => html`<tr><td>${i.department}</td><td>${i.itemCode}</td><td>${i.name}</td><td>${i.legalBasis}</td><td>${i.powerListCode}</td><td>${i.pools}</td></tr>`))}
${pager(items, '/items', q)}${jsonLink('/items', { page: items.page })}
<h3>A类（重点监管对象）联合抽查事项清单</h3>
${table(['部门', '事项编码', '事项名称', '检查依据', '权力清单编码', '备案日期'], joint.rows.map((i) => html`<tr><td>${i.department}</td><td>${i.itemCode}</td><td>${i.name}</td><td>${i.legalBasis}</td><td>${i.powerListCode}</td><td>${i.filedOn || '—'}</td></tr>`))}
${pager(joint, '/items', q, 'jpage')}${jsonLink('/joint', { page: joint.page })}`,
    });
  });
  router.get('/plans', async (ctx) => {
    const year = yearOf(ctx);
    const l = await plansData(year);
    const filter = String(ctx.query.q ?? '').trim();
    const p = paged(filter ? l.value.filter((x) => x.planNo === filter) : l.value, pageOf(ctx));
    page(ctx, {
      title: `${year}年度抽查计划公告`, tab: 'plans', staleSince: l.staleSince, body: html`
<p>经部门领导、联席办和司法局审核通过的抽查计划。<a href="${url('/plans', { year: year - 1 })}">${year - 1}年度</a></p>
${table(['计划编号', '牵头部门', '联合部门', '对象库', '抽查范围', '抽查事项', '抽取比例或数量', '检查时段', '提交日期', '审批通过日期'],
    p.rows.map((x) => html`<tr><td>${x.planNo}${x.special ? html`<br><span class="muted">专项：${x.special}</span>` : ''}</td><td>${x.department}</td><td>${x.jointDepartments.join('、') || '—'}</td><td>${x.pool}</td><td>${x.scope}</td><td>${x.items.join('、')}</td><td>${x.sampling}</td><td>${x.window.from} 至 ${x.window.to}</td><td>${x.submittedOn}</td><td>${x.approvedOn}</td></tr>`))}
${pager(p, '/plans', { year, q: filter })}${jsonLink('/plans', { year, page: p.page })}`,
    });
  });
  router.get('/draws', async (ctx) => {
    const year = yearOf(ctx);
    const l = await drawsData(year);
    const p = paged(l.value, pageOf(ctx));
    cachedPage(ctx, l, () => ({
      title: `${year}年度抽查任务公告（抽取公告）`, tab: 'draws', staleSince: l.staleSince, body: html`
<p>每次抽取先公布承诺值，再开奖公布种子、抽中主体和检查人员；每次抽取都可以在本站核验。<a href="${url('/draws', { year: year - 1 })}">${year - 1}年度</a></p>
${table(['抽取编号', '抽查计划编号', '牵头部门', '对象库', '主体总数 n', '抽取数量 k', '种子承诺值', '状态', '承诺时间'],
    p.rows.map((d) => html`<tr><td><a href="${url(`/draws/${d.drawNo}`)}">${d.drawNo}</a></td><td>${d.planNo}</td><td>${d.department}</td><td>${d.pool}</td><td>${d.n}</td><td>${d.k}</td><td class="hash">${d.seedCommitment}</td><td>${d.statusText}${d.voidReason ? html`<br><span class="muted">作废原因：${d.voidReason}</span>` : ''}</td><td>${d.createdAt}</td></tr>`))}
${pager(p, '/draws', { year })}${jsonLink('/draws', { year, page: p.page })}`,
    }));
  });
  router.get('/draws/:drawNo', async (ctx) => {
    const l = await drawData(ctx.params.drawNo);
    cachedPage(ctx, l, () => ({ title: `抽取公告 ${l.value.drawNo}`, tab: 'draws', staleSince: l.staleSince, body: drawPage(l.value) }));
  });
  router.get('/draws/:drawNo/record.json', async (ctx) => {
    const l = await loadRecord(`record:${ctx.params.drawNo}`, async () => {
      const r = await svc.record(ctx.params.drawNo);
      if (!r) throw new NotFound(ctx.params.drawNo);
      return `${JSON.stringify(r, null, 2)}\n`;
    });
    ctx.type = 'application/json; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="${ctx.params.drawNo.replace(/[^\w.-]/g, '_')}.json"`);
    ctx.body = l.value;
  });
  router.get('/results', async (ctx) => {
    const year = yearOf(ctx);
    const l = await resultsData(year);
    const p = paged(l.value, pageOf(ctx));
    cachedPage(ctx, l, () => ({
      title: `${year}年度抽查结果公告`, tab: 'results', staleSince: l.staleSince,
      body: html`${resultNotices(p.rows)}${p.total ? pager(p, '/results', { year }) : ''}${jsonLink('/results', { year, page: p.page })}`,
    }));
  });
  router.get('/search', async (ctx) => {
    const q = String(ctx.query.q ?? '').trim().slice(0, 100);
    const l = q ? await searchData(q) : { value: { total: 0, entities: [] } };
    page(ctx, {
      title: q ? `查询“${q}”` : '查询市场主体', tab: 'search', query: q, staleSince: (l as Loaded<unknown>).staleSince,
      body: q
        ? html`<p>找到 ${l.value.total} 户${l.value.total > l.value.entities.length ? `，显示前 ${l.value.entities.length} 户，请输入更完整的名称` : ''}。</p>${l.value.entities.map(entityBlock)}${jsonLink('/search', { q })}`
        : html`<p>输入市场主体名称的一部分或统一社会信用代码。</p>`,
    });
  });
  router.get('/verify', (ctx) => {
    page(ctx, {
      title: '核验抽取记录', tab: 'verify', body: html`<p>选择一个抽取公开记录文件（JSON），本页在您的浏览器中按<a href="${url('/docs/draw')}">抽取规则</a>重新计算并比对。</p>
<p><label>记录文件：<input type="file" id="record-file" accept=".json,application/json"></label></p>
<div id="verdict" class="verdict" aria-live="polite">此功能需要浏览器启用脚本；也可用命令 <code>npm run cli -- draw verify 记录文件.json</code> 核验。</div>
<script src="${url('/static/verify.js')}" defer></script>`,
    });
  });
  router.get('/docs/draw', (ctx) => {
    page(ctx, {
      title: '抽取规则与核验方法', tab: 'docs', body: html`<p>以下为本系统抽取程序的完整说明（docs/draw.md，<a href="${url('/docs/draw.md')}">原文</a>）。核验步骤见第 6 节。</p><pre class="doc">${doc}</pre>`,
    });
  });
  router.get('/docs/draw.md', (ctx) => {
    ctx.type = 'text/markdown; charset=utf-8';
    ctx.body = doc;
  });
  router.get('/static/site.css', (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = CSS;
  });
  router.get('/static/verify.js', async (ctx) => {
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = await bundle;
  });

  // JSON twins
  router.get('/api/items', async (ctx) => {
    const l = await itemsData();
    json(ctx, l, paged(l.value.items, pageOf(ctx)) as unknown as Record<string, unknown>);
  });
  router.get('/api/joint', async (ctx) => {
    const l = await itemsData();
    json(ctx, l, paged(l.value.joint, pageOf(ctx)) as unknown as Record<string, unknown>);
  });
  router.get('/api/plans', async (ctx) => {
    const year = yearOf(ctx);
    const l = await plansData(year);
    json(ctx, l, { year, ...paged(l.value, pageOf(ctx)) });
  });
  router.get('/api/draws', async (ctx) => {
    const year = yearOf(ctx);
    const l = await drawsData(year);
    json(ctx, l, { year, ...paged(l.value, pageOf(ctx)) });
  });
  router.get('/api/draws/:drawNo', async (ctx) => {
    const l = await drawData(ctx.params.drawNo);
    json(ctx, l, { draw: l.value });
  });
  router.get('/api/results', async (ctx) => {
    const year = yearOf(ctx);
    const l = await resultsData(year);
    json(ctx, l, { year, ...paged(l.value, pageOf(ctx)) });
  });
  router.get('/api/search', async (ctx) => {
    const q = String(ctx.query.q ?? '').trim().slice(0, 100);
    if (!q) {
      ctx.body = { q, total: 0, entities: [] };
      return;
    }
    const l = await searchData(q);
    json(ctx, l, { q, ...l.value });
  });

  const routes = router.routes();
  const isApi = (p: string) => p.startsWith(`${BASE}/api/`);
  return async (ctx, next) => {
    if (ctx.path !== BASE && !ctx.path.startsWith(`${BASE}/`)) return next();
    ctx.set(SECURITY_HEADERS);
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
      ctx.body = isApi(ctx.path) ? { error: '本站只读，只接受 GET 请求' } : '本站只读，只接受 GET 请求';
      return;
    }
    if (ctx.path === BASE) {
      ctx.redirect(url('/'));
      return;
    }
    try {
      await routes(ctx as never, async () => undefined);
    } catch (err) {
      if (err instanceof NotFound) {
        ctx.status = 404;
      } else if (err instanceof Unavailable) {
        ctx.status = 503;
        ctx.set('Retry-After', '10');
        if (isApi(ctx.path)) ctx.body = { error: '数据库暂时无法访问，请稍后再试' };
        else page(ctx, { title: '暂时无法访问', tab: '', body: html`<p>数据库暂时无法访问，且本页没有缓存内容。请稍后再试。</p>` });
        return;
      } else {
        throw err;
      }
    }
    if (ctx.status === 404 && ctx.body === undefined) {
      ctx.status = 404;
      if (isApi(ctx.path)) ctx.body = { error: '没有这个页面' };
      else {
        page(ctx, { title: '没有这个页面', tab: '', body: html`<p>您访问的地址不存在。请从上方栏目进入，或查询市场主体。</p>` });
        ctx.status = 404;
      }
    }
    if (!ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'public, max-age=30');
  };
}
