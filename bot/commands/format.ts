/** Short Chinese renderings of registry records for chat, and long lists (更多, xlsx). */
import { beijingDate } from '../../src/domain/calendar';
import { unitName } from '../../src/domain/organisation';
import { INSPECTOR_KIND_LABELS } from '../../src/domain/inspector';
import { POOL_LABELS } from '../../src/domain/pools';
import type { EntityDoc, EntityListing } from '../../src/domain/records/entity';
import type { InspectorDoc, ItemDoc } from '../../src/domain/records/directory';
import type { ApprovalDoc } from '../../src/domain/records/approval';
import { text, type Reply } from '../types';
import type { Command, CommandContext } from './types';

/** A stored instant as the Beijing date users live by (never the server's time zone). */
export const day = (d: Date | undefined): string => (d ? beijingDate(d) : '-');

export function entityLine(e: EntityListing, i: number): string {
  return `${i + 1}. ${e.name}｜${e.creditCode}｜${e.township || '-'}｜风险${e.riskClass}｜${e.pool}类`;
}

export function entityCard(e: EntityDoc): string {
  const lines = [
    `${e.name}`,
    `统一社会信用代码：${e.creditCode}`,
    `类型：${e.kind}　行业：${e.industry || '-'}`,
    `乡镇：${e.township || '-'}　地址：${e.address || '-'}`,
    `信用风险分类：${e.riskClass}`,
    `领域标签：${e.sectorTags.length ? e.sectorTags.join('、') : '-'}`,
    `监管部门：${e.departments.length ? e.departments.map(unitName).join('、') : '-'}`,
    `所属库：${POOL_LABELS[e.pool]}（${day(e.poolPlacedAt)} 由 ${e.poolPlacedBy} 确定：${e.poolReason}）`,
  ];
  if (e.pendingPool) lines.push(`待确认：${unitName(e.pendingDepartment)} 提出拟入${POOL_LABELS[e.pendingPool]}（${e.pendingReason}），待联席办确认`);
  return lines.join('\n');
}

export function inspectorLine(p: InspectorDoc, i: number, today: string): string {
  const cert = p.kind === 'expert'
    ? '不计入执法人数'
    : p.certificateNo
      ? `证号${p.certificateNo}${p.certificateExpiry && p.certificateExpiry < today ? `（已于${p.certificateExpiry}过期）` : `（至${p.certificateExpiry ?? '-'}）`}`
      : '无执法证';
  const flags = [p.jointPool ? '联合检查库' : '', p.active ? '' : '不在岗'].filter(Boolean).join('，');
  return `${i + 1}. ${p.name}｜${INSPECTOR_KIND_LABELS[p.kind]}｜${cert}｜专长：${p.specialties.join('、') || '-'}${flags ? `｜${flags}` : ''}`;
}

export function itemLine(it: ItemDoc, i: number): string {
  const joint = it.jointListA ? `｜A类联合清单（${it.jointListFiledOn ?? '未备案'}备案）` : '';
  return `${i + 1}. ${it.name}｜${it.itemCode}｜适用${it.pools.join('、')}类｜权力清单编码${it.powerListCode}${joint}\n   依据：${it.legalBasis}`;
}

/** Why a request was returned: the step, who, when and the reason, for the one who edits it. */
export function returnedBecause(a: ApprovalDoc | undefined): string {
  const s = a?.steps.find((x) => x.outcome === 'rejected');
  if (!s) return '';
  return `退回原因：${s.label}，${s.byName ?? s.by ?? ''}${s.at ? ` ${day(s.at)}` : ''}退回${s.comment ? `，理由：${s.comment}` : '（未写理由）'}`;
}

/** Lines a long list shows at once; 更多 shows as many again. */
export const LIST_PAGE_LINES = 20;
/** A list of more rows than this also comes as an xlsx file, to the user privately. */
export const LIST_FILE_ROWS = 50;

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A list's lines as a workbook: "1. a｜b｜c" becomes a row 1, a, b, c under the given headers. */
async function listWorkbook(title: string, headers: string[], lines: string[]): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs'); // loaded when first needed: keeps start-up fast
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(title.slice(0, 31).replace(/[*?:\\/[\]]/g, ' '));
  ws.addRow(headers).font = { bold: true };
  for (const line of lines) {
    const m = /^(\d+)\.\s*([\s\S]*)$/.exec(line);
    const cells = (m ? m[2] : line).split('｜').map((c) => c.replace(/\s*\n\s*/g, ' ').trim());
    ws.addRow(m ? [Number(m[1]), ...cells] : ['', ...cells]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * A list in chat: its first `shown` lines (the rest kept for 更多, in the database, so any
 * process continues it), and — when it has more than LIST_FILE_ROWS rows — the whole list
 * as an xlsx file sent to the user privately (a file message on WeCom, a link on DingTalk).
 * `rows` counts the list's rows when `lines` also holds headings (a department's name).
 */
export async function longList(ctx: CommandContext, o: {
  title: string; head: string; lines: string[]; foot?: string; shown?: number; columns: string[];
  /** The list's size when `lines` is only its start (查询) or also holds headings. */
  rows?: number;
  /** What the file holds when not `lines`. */
  fileLines?: string[];
  /** The line saying there is more (default: how many and 更多). */
  moreNote?: (shown: number) => string;
}): Promise<Reply[]> {
  const shown = o.shown ?? LIST_PAGE_LINES;
  const parts = [o.head, ...o.lines.slice(0, shown)];
  if (o.lines.length > shown) {
    await ctx.services.lists.keep(ctx.caller.userId, o.title, o.lines, shown);
    parts.push(o.moreNote ? o.moreNote(shown) : `……共 ${o.lines.length} 条，已显示前 ${shown} 条，发送“更多”看下一页`);
  } else {
    await ctx.services.lists.forget(ctx.caller.userId);
  }
  const rows = o.rows ?? o.lines.length;
  const out: Reply[] = [];
  if (rows > LIST_FILE_ROWS && ctx.caller.channel === 'shell') {
    parts.push('在企业微信或钉钉中，完整名单会另以 xlsx 文件私下发给您。');
  } else if (rows > LIST_FILE_ROWS) {
    const name = `${o.title}.xlsx`;
    const fileLines = o.fileLines ?? o.lines;
    const fileId = await ctx.services.lists.storeFile(name, XLSX, await listWorkbook(o.title, ['序号', ...o.columns], fileLines));
    parts.push(`完整名单（${fileLines.length} 条）另以 xlsx 文件“${name}”发给您${ctx.caller.channel === 'dingtalk' ? '（下载链接）' : ''}。`);
    out.push({ kind: 'file', fileId, name });
  }
  if (o.foot) parts.push(o.foot);
  return [text(parts.join('\n')), ...out];
}

export const moreCommand: Command = {
  names: ['更多', '下一页', 'more'],
  usage: '更多 — 接着显示上一个长列表的下一页',
  async run(_args, ctx) {
    const p = await ctx.services.lists.more(ctx.caller.userId, LIST_PAGE_LINES);
    if (!p) return [text('没有可以接着显示的列表（已显示完，或已超过24小时）。请重新查询。')];
    const next = p.to < p.total ? '发送“更多”看下一页。' : '（已到最后）';
    return [text(`${p.title}（第 ${p.from}–${p.to} 条，共 ${p.total} 条）：\n${p.lines.join('\n')}\n${next}`)];
  },
};

/** What to do about a missing user: an administrator registers them; anyone else asks one. */
export function registerHint(ctx: CommandContext): string {
  return ctx.caller.roles.includes('admin') ? '请用 npm run cli -- user add 登记（角色 leader）' : '请联系系统管理员登记';
}
