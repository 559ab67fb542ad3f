/**
 * The pools' year in chat: C-pool coverage (R4, `C类覆盖`), the yearly pool
 * adjustment led by 联席办 (R5: `调库方案`, `不予调整`, `确认调库`), applications
 * and recommendations for the A pool (`申请入A`, `推荐入A`) and an entity's pool
 * history (`调库记录`).
 */
import { beijingDate } from '../../src/domain/calendar';
import { JOINT_OFFICE_HOST, MEMBER_UNITS, unitName } from '../../src/domain/organisation';
import type { Card } from '../cards/card';
import { poolWord, SOURCE_LABELS, type AdjustLine, type AdjustSource } from '../../src/domain/adjustment';
import type { AdjustmentHeader } from '../../src/domain/poolYear';
import { normaliseCreditCode } from '../../src/domain/creditCode';
import { Refusal } from '../../src/services/context';
import { text, type Reply } from '../types';
import { longList } from './format';
import { announceChange } from './approvals';
import { marchDeadline, MARCH_STATE_WORDS } from '../../src/domain/marchDeadlines';
import type { MarchChecklist } from '../../src/services/marchDeadlines';
import type { CardAction, Command, CommandContext } from './types';
import { C_COVERAGE_HEADERS, cCoverageLine, cCoverageRows, workbook, XLSX } from '../views/cCoverage';

const thisYear = (ctx: CommandContext) => Number(beijingDate(ctx.services.clock()).slice(0, 4));

/** A file for the caller: a file message on WeCom, a signed link on DingTalk; in the terminal only its name. */
async function fileReply(ctx: CommandContext, name: string, data: Buffer): Promise<{ reply?: Reply; note: string }> {
  if (ctx.caller.channel === 'shell') return { note: `在企业微信或钉钉中，名单另以 xlsx 文件“${name}”发给您。` };
  const fileId = await ctx.services.lists.storeFile(name, XLSX, data);
  return { reply: { kind: 'file', fileId, name }, note: `名单另以 xlsx 文件“${name}”发给您${ctx.caller.channel === 'dingtalk' ? '（下载链接）' : ''}。` };
}

const cCoverage: Command = {
  names: ['C类覆盖', 'C类覆盖情况'],
  usage: 'C类覆盖 [年度] [部门] — C类主体本年度是否都已检查（R4）：已检查、已列入任务、尚未覆盖，名单为 xlsx',
  async run(args, ctx) {
    const words = args.split(/\s+/).filter(Boolean);
    const yearWord = words.find((w) => /^\d{4}年?$/.test(w));
    const year = yearWord ? Number(yearWord.slice(0, 4)) : thisYear(ctx);
    const dept = words.filter((w) => w !== yearWord).join('');
    const rows = await ctx.services.cCoverage.forCaller(ctx.caller, year, dept || undefined);
    if (rows.length === 0) return [text(`依据规则 R4：${year}年${dept ? `${dept}` : ''}没有负责的C类重点监管主体。`)];
    const total = rows.reduce((n, r) => n + r.total, 0);
    const uncovered = rows.reduce((n, r) => n + r.uncovered.length, 0);
    const lines = [`依据规则 R4：C类主体每年至少检查一次（由提出单位检查）。${year}年共 ${total} 户次，尚未覆盖 ${uncovered}。`, ...rows.map(cCoverageLine)];
    if (rows.length === 1) {
      const r = rows[0];
      const list = r.uncovered.slice(0, 20).map((e, i) => `${i + 1}. ${e.name}（${e.code}）`);
      if (list.length) lines.push('尚未覆盖：', ...list, ...(r.uncovered.length > 20 ? [`……共 ${r.uncovered.length} 户，见 xlsx`] : []));
    }
    if (uncovered > 0) lines.push('请为尚未覆盖的主体安排检查：发送“新建计划”制定C类计划，年底前完成（R4）。');
    const file = await fileReply(ctx, `${year}年C类主体覆盖情况.xlsx`, await workbook(`${year}年C类覆盖`, C_COVERAGE_HEADERS, cCoverageRows(rows)));
    lines.push(file.note);
    return [text(lines.join('\n')), ...(file.reply ? [file.reply] : [])];
  },
};

/** The year typed in the arguments, else this year. */
function yearOf(args: string, ctx: CommandContext): number {
  const m = /(\d{4})\s*年?/.exec(args);
  return m ? Number(m[1]) : thisYear(ctx);
}

const lineText = (l: AdjustLine) => `${l.n}. ${l.name}（${l.code}）｜${poolWord(l.from)}→${poolWord(l.to)}｜${l.reason}｜${l.evidence}`;
const LINE_COLUMNS = ['名称（代码）', '调整', '理由', '依据'];

function countsText(h: AdjustmentHeader): string {
  return (Object.keys(SOURCE_LABELS) as AdjustSource[]).filter((k) => h.counts[k]).map((k) => `${SOURCE_LABELS[k]} ${h.counts[k]}`).join('、') || '无';
}

async function showAdjustment(ctx: CommandContext, h: AdjustmentHeader, lines: AdjustLine[], built: boolean): Promise<Reply[]> {
  const rejected = h.rejected.length ? `已不予调整 ${h.rejected.length} 条（序号 ${h.rejected.join('、')}）。` : '';
  const head = `依据规则 R5：${h.year}年度调库方案 ${h.id}${built ? '已生成' : ''}，共 ${h.total} 条（${countsText(h)}）。${rejected}`;
  if (h.total === 0) return [text(`${head}\n本年度没有需要调整的主体。`)];
  const foot = h.status === 'draft'
    ? `审核：不予调整的发送“不予调整 ${h.year} <序号，如 3,5> <理由>”；其余全部采纳的，由联席办其他人员发送“确认调库 ${h.year}”执行（R20：不能确认自己生成的方案）。`
    : `该方案已执行：调整 ${h.applied} 户。`;
  return longList(ctx, { title: `${h.id}调库方案`, head, lines: lines.map(lineText), columns: LINE_COLUMNS, foot });
}

/** Lines per review card, and the most cards sent to one reviewer (beyond: the list, 更多 and the xlsx). */
const CARD_BATCH = 50;
const MAX_BATCH_CARDS = 10;

function batchCard(h: AdjustmentHeader, lines: AdjustLine[], b: number, userId: string): Card {
  const part = lines.slice(b * CARD_BATCH, (b + 1) * CARD_BATCH);
  const n = Math.ceil(lines.length / CARD_BATCH);
  return {
    cardId: `adj_${h.id}_${b}_${userId}_${Date.now().toString(36)}`.replace(/[^A-Za-z0-9_@-]/g, '_').slice(0, 128),
    title: `调库方案 ${h.id} 第${b + 1}/${n}批（R5）`,
    description: `第${part[0].n}–${part[part.length - 1].n}条，共 ${part.length} 条：核对后本批采纳，或本批不予调整；个别条目发送“不予调整 ${h.year} <序号> <理由>”`,
    fields: [
      ...part.slice(0, 5).map((l) => ({ label: `${l.n}`, value: `${l.name} ${poolWord(l.from)}→${poolWord(l.to)}：${l.reason}` })),
      ...(part.length > 5 ? [{ label: '其余', value: `发送“调库方案 ${h.year}”查看全部 ${lines.length} 条（含依据）` }] : []),
    ],
    buttons: [
      { key: `adj.ok:${h.year}#${b}`, label: '本批采纳', style: 'primary' },
      { key: `adj.no:${h.year}#${b}`, label: '本批不予调整', style: 'danger' },
    ],
  };
}

/** A freshly built proposal: one card per batch of 50 lines to every other 联席办 member (R20: not the builder). */
async function sendBatchCards(ctx: CommandContext, h: AdjustmentHeader, lines: AdjustLine[]): Promise<string> {
  const n = Math.ceil(lines.length / CARD_BATCH);
  const reviewers = (await ctx.services.users.inDepartment(JOINT_OFFICE_HOST, ['office'])).filter((u) => u.userId !== ctx.caller.userId);
  if (n === 0 || reviewers.length === 0) return reviewers.length ? '' : '联席办暂无其他人员可审核确认（R20），请先登记。';
  if (n > MAX_BATCH_CARDS) {
    for (const u of reviewers) ctx.notify(u.userId, text(`依据规则 R5：${h.id} 调库方案已生成，共 ${lines.length} 条，请发送“调库方案 ${h.year}”审核（含 xlsx）。`));
    return `已通知联席办其他 ${reviewers.length} 人审核。`;
  }
  for (const u of reviewers) for (let b = 0; b < n; b++) ctx.notify(u.userId, { kind: 'card', card: batchCard(h, lines, b, u.userId) });
  return `已按每批 ${CARD_BATCH} 条发卡片给联席办其他 ${reviewers.length} 人审核。`;
}

function batchAction(accept: boolean): CardAction {
  return {
    action: accept ? 'adj.ok' : 'adj.no',
    async run(subject, ctx) {
      const m = /^(\d{4})#(\d+)$/.exec(subject);
      if (!m) return { replies: [text('这个按钮已失效，请发送“调库方案”重新查看。')], outcome: '已失效' };
      const year = Number(m[1]);
      const b = Number(m[2]);
      const { header: h, lines } = await ctx.services.adjustment.show(ctx.caller, year);
      if (h.createdBy === ctx.caller.userId) throw new Refusal('依据规则 R20：不能审核自己生成的调库方案，请由联席办其他人员审核', 'R20');
      if (h.status !== 'draft') return { replies: [text(`${h.id} 已执行，无需再审核。`)], outcome: '已执行' };
      const part = lines.slice(b * CARD_BATCH, (b + 1) * CARD_BATCH);
      if (part.length === 0) return { replies: [text('该批次已不在方案中（方案已重新生成），请发送“调库方案”重新查看。')], outcome: '已失效' };
      const range = `第${part[0].n}–${part[part.length - 1].n}条`;
      if (accept) {
        return { replies: [text(`已采纳 ${h.id} ${range}。全部审核后发送“确认调库 ${year}”执行。`)], outcome: `本批采纳（${ctx.caller.name}）` };
      }
      const after = await ctx.services.adjustment.reject(ctx.caller, year, part.map((l) => l.n), `按批不予调整（${ctx.caller.name}）`);
      return { replies: [text(`已记录：${h.id} ${range}不予调整（共不予调整 ${after.rejected.length} 条）。`)], outcome: `本批不予调整（${ctx.caller.name}）` };
    },
  };
}

export const poolYearActions: CardAction[] = [batchAction(true), batchAction(false)];

const adjustmentPlan: Command = {
  names: ['调库方案'],
  usage: '调库方案 <年度> [重新生成] — 联席办：年度库调整方案（R5），每条写明理由和依据',
  roles: ['office', 'justice', 'admin'],
  async run(args, ctx) {
    const year = yearOf(args, ctx);
    const existing = await ctx.services.adjustment.show(ctx.caller, year).catch(() => undefined);
    if (existing && !/重新生成|重新/.test(args)) return showAdjustment(ctx, existing.header, existing.lines, false);
    const { header, lines } = await ctx.services.adjustment.build(ctx.caller, year);
    const sent = await sendBatchCards(ctx, header, lines);
    const shown = await showAdjustment(ctx, header, lines, true);
    return sent ? [...shown, text(sent)] : shown;
  },
};

const rejectLines: Command = {
  names: ['不予调整'],
  usage: '不予调整 <年度> <序号，如 3,5> <理由> — 联席办：调库方案中不采纳的条目（R5）',
  roles: ['office'],
  async run(args, ctx) {
    const m = /^(\d{4})\s*年?\s+([\d,，、\s]+?)(?:\s+(\D.*))?$/.exec(args.trim());
    if (!m) return [text('请按格式输入：不予调整 <年度> <序号> <理由>，例如：不予调整 2026 3,5 需补充核查材料')];
    const numbers = m[2].split(/[,，、\s]+/).filter(Boolean).map(Number);
    const h = await ctx.services.adjustment.reject(ctx.caller, Number(m[1]), numbers, m[3] ?? '');
    return [text(`已记录：${h.id} 第 ${numbers.join('、')} 条不予调整（共不予调整 ${h.rejected.length} 条）。其余 ${h.total - h.rejected.length} 条待联席办其他人员发送“确认调库 ${h.year}”执行。`)];
  },
};

/** The applied adjustment as a workbook for the member units' group chats. */
async function adjustmentBook(h: AdjustmentHeader, applied: AdjustLine[]): Promise<Buffer> {
  return workbook(`${h.id}调库结果`, ['序号', '统一社会信用代码', '名称', '原库', '调整为', '来源', '理由', '依据'],
    applied.map((l) => [l.n, l.code, l.name, poolWord(l.from), poolWord(l.to), SOURCE_LABELS[l.source], l.reason, l.evidence]));
}

const applyAdjustment: Command = {
  names: ['确认调库'],
  usage: '确认调库 <年度> — 联席办：执行调库方案中未被“不予调整”的条目（R5），不能确认自己生成的方案（R20）',
  roles: ['office'],
  async run(args, ctx) {
    const year = yearOf(args, ctx);
    const r = await ctx.services.adjustment.apply(ctx.caller, year);
    const counts: Record<string, number> = {};
    for (const l of r.applied) counts[`${poolWord(l.from)}→${poolWord(l.to)}`] = (counts[`${poolWord(l.from)}→${poolWord(l.to)}`] ?? 0) + 1;
    const summary = Object.entries(counts).map(([k, n]) => `${k} ${n}户`).join('、') || '无';
    const lines = [
      `依据规则 R5：${r.header.id} 已执行，调整 ${r.applied.length} 户（${summary}），不予调整 ${r.rejected.length} 条。每户的调整记录了执行人、时间、理由和方案编号，发送“调库记录 <代码>”可查看。`,
    ];
    if (r.skipped.length) lines.push(`另有 ${r.skipped.length} 户在方案生成后已被调整，未按方案执行：${r.skipped.slice(0, 10).map((l) => `${l.n}. ${l.name}`).join('；')}`);
    const name = `${r.header.id}调库结果.xlsx`;
    const file = { name, contentType: XLSX, data: await adjustmentBook(r.header, r.applied) };
    const markdown = `**${r.header.id} 年度调库结果（R5）**\n调整 ${r.applied.length} 户：${summary}。明细见附件 ${name}。`;
    if (!ctx.announcer) lines.push('本环境没有配置群机器人，调库结果未发到工作群，请转发。');
    else {
      const reached: string[] = [];
      for (const u of MEMBER_UNITS) {
        const ch = await ctx.announcer.channelsOf(u.code);
        if (ch.wecom || ch.dingtalk) {
          await ctx.announcer.announce(u.code, { title: `${r.header.id}调库结果`, markdown, file });
          reached.push(u.code);
        }
      }
      const missing = MEMBER_UNITS.filter((u) => !reached.includes(u.code));
      lines.push(`调库结果及 xlsx 已发到 ${reached.length} 个成员单位的工作群${missing.length ? `；${missing.length} 个单位未配置群机器人（${missing.slice(0, 5).map((u) => u.name).join('、')}${missing.length > 5 ? '等' : ''}），请转发` : ''}。`);
    }
    return [text(lines.join('\n'))];
  },
};

function putForward(kind: 'apply' | 'recommend'): Command {
  const word = kind === 'apply' ? '申请入A' : '推荐入A';
  return {
    names: [word],
    usage: kind === 'apply'
      ? '申请入A <代码> <理由> — 主体的监管部门为B类主体申请调入A类，年度调库时经联席办核实（R5）'
      : '推荐入A <代码> <理由> — 成员单位推荐B类主体调入A类，年度调库时经联席办核实（R5）',
    async run(args, ctx) {
      const words = args.split(/\s+/).filter(Boolean);
      // The code may be typed with spaces or full-width digits: the longest beginning that is 18 characters.
      let cut = 1;
      for (let i = 1; i <= words.length; i++) if (normaliseCreditCode(words.slice(0, i).join('')).length === 18) { cut = i; break; }
      const code = normaliseCreditCode(words.slice(0, cut).join(''));
      const reason = words.slice(cut).join(' ');
      if (!code) return [text(`请按格式输入：${word} <统一社会信用代码> <理由>`)];
      const { name } = await ctx.services.adjustment.putForward(ctx.caller, code, reason, kind);
      return [text(`已记录：${unitName(ctx.caller.department)}${kind === 'apply' ? '申请' : '推荐'}“${name}”（${code}）调入A类。年度调库时（调库方案）列入，经联席办核实后生效（R5）。`)];
    },
  };
}

const poolHistory: Command = {
  names: ['调库记录'],
  usage: '调库记录 <代码> — 主体历次调库：时间、执行人、原库、新库、理由和方案编号（R5）',
  async run(args, ctx) {
    const code = normaliseCreditCode(args.replace(/\s+/g, ''));
    if (!code) return [text('请按格式输入：调库记录 <统一社会信用代码>')];
    const h = await ctx.services.adjustment.history(code);
    const lines = [`${h.name}（${code}）现属${h.pool}类；最近一次：${h.placed}`];
    if (h.moves.length === 0) lines.push('尚无年度调库记录。');
    h.moves.forEach((m, i) => lines.push(`${i + 1}. ${beijingDate(new Date(m.at))} ${m.adjustment}：${poolWord(m.from as never)}→${poolWord(m.to as never)}，${m.reason}（执行人 ${m.by}）`));
    return [text(lines.join('\n'))];
  },
};

const confirmJointPool: Command = {
  names: ['联合人员库确认'],
  usage: '联合人员库确认 [年度] — 联席办：审核后确认本年度联合检查人员库（R8，3月31日前）',
  roles: ['office'],
  async run(args, ctx) {
    const year = yearOf(args, ctx);
    const r = await ctx.services.march.confirmJointPool(ctx.caller, year);
    const total = r.perDepartment.reduce((n, p) => n + p.n, 0);
    return [text(`依据规则 R8：已确认${year}年度联合检查人员库（${beijingDate(r.at)}），共 ${total} 人：${r.perDepartment.map((p) => `${unitName(p.department)} ${p.n}人`).join('、')}。`)];
  },
};

const fileJointList: Command = {
  names: ['报送联合清单'],
  usage: '报送联合清单 [年度] — 成员单位：向联席办和司法局报送本单位A类联合检查事项清单（R9，3月31日前），由联席办、司法局签收',
  roles: ['official', 'leader'],
  async run(args, ctx) {
    const year = yearOf(args, ctx);
    const change = await ctx.services.march.submitJointList(ctx.caller, year);
    announceChange(change, ctx);
    return [text(`依据规则 R9：已报送 ${change.approval.subject}（${change.approval.title}），送联席办签收（${change.deciders.length}人），再送司法局签收；签收后会告知您。`)];
  },
};

/** 联席办's one checklist of the March deadlines. */
export function marchLines(c: MarchChecklist, r12: { department: string; missing: number }[]): string[] {
  const due = marchDeadline(c.year);
  const lines = [`${c.year}年度3月任务（截止 ${due}）：`];
  lines.push(`R8 联合检查人员库确认：${MARCH_STATE_WORDS[c.jointPool.state]}${c.jointPool.at ? `（${beijingDate(c.jointPool.at)}，${c.jointPool.by}）` : ''}`);
  const lists = c.jointLists.filter((l) => l.state !== 'done');
  lines.push(`R9 A类联合检查事项清单报送：${c.jointLists.length - lists.length}/${c.jointLists.length} 个单位已签收${lists.length ? '；未完成：' : ''}`);
  for (const l of lists) lines.push(`  ${unitName(l.department)}：${l.status === 'none' ? '未报送' : l.status === 'pending' ? '已报送，待签收' : '被退回'}（${MARCH_STATE_WORDS[l.state]}）`);
  const missing = r12.filter((r) => r.missing > 0);
  lines.push(`R12 年度抽查计划覆盖全部事项：${missing.length ? `${missing.length} 个单位未完成` : '已完成'}`);
  for (const r of missing) lines.push(`  ${unitName(r.department)}：${r.missing} 个事项无计划`);
  return lines;
}

const marchChecklist: Command = {
  names: ['三月清单', '年初任务'],
  usage: '三月清单 [年度] — 联席办：联合人员库确认（R8）、联合清单报送（R9）、计划覆盖（R12）谁已完成、谁逾期',
  roles: ['office', 'justice', 'admin'],
  async run(args, ctx) {
    requireOffice(ctx);
    const year = yearOf(args, ctx);
    const c = await ctx.services.march.checklist(year);
    const r12 = (await ctx.services.coverage.table(year)).map((r) => ({ department: r.department, missing: r.missing.length }));
    return [text(marchLines(c, r12).join('\n'))];
  },
};

function requireOffice(ctx: CommandContext): void {
  if (!ctx.caller.roles.some((r) => r === 'office' || r === 'justice' || r === 'admin')) throw new Refusal('只有联席办、司法局或系统管理员可以查看三月任务清单', 'R20');
}

export const poolYearCommands: Command[] = [cCoverage, adjustmentPlan, rejectLines, applyAdjustment, putForward('apply'), putForward('recommend'), poolHistory, confirmJointPool, fileJointList, marchChecklist];
