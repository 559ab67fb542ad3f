/**
 * What results look like in chat: 结果 (the result, who entered what, its handling, review and
 * earlier versions), the entity's inspection history for 查 and the plan preview's note (R16),
 * the 检查记录表 (检查单), the 免罚清单 (R18) and the risk proposals for 联席办 (R17).
 */
import { createHash } from 'node:crypto';
import { findUnit, unitName } from '../../src/domain/organisation';
import type { PlanDraft } from '../../src/domain/plan';
import { METHODS } from '../../src/domain/result';
import type { ResultDoc, RiskProposalDoc } from '../../src/domain/records/result';
import type { Card } from '../cards/card';
import { text, type Reply } from '../types';
import { approvalHistory } from './approvals';
import { findingText, followUpLine, statusText } from './resultText';
import type { CardAction, Command, CommandContext } from './types';

function partLines(r: ResultDoc, names: Map<string, string>): string[] {
  const lines: string[] = [];
  if (r.form) {
    lines.push(`检查日期：${r.form.start === r.form.end ? r.form.start : `${r.form.start}至${r.form.end}`}`, `核查方式：${r.form.methods.join('、')}`, `检查结果：${r.form.categories.join('、')}`);
  }
  for (const d of r.departments) {
    const p = r.parts[d];
    if (!p) {
      lines.push(`【${unitName(d)}】尚未录入`);
      continue;
    }
    lines.push(`【${unitName(d)}】${p.byName}（${p.by}）录入于 ${p.at.slice(0, 10)}：`);
    p.findings.forEach((f, i) => lines.push(`  ${i + 1}. ${names.get(f.key) ?? f.key}：${findingText(f)}`));
    if (p.evidence.length) lines.push(`  证据：${p.evidence.map((e) => `${e.name}（SHA-256 ${e.sha256.slice(0, 12)}…）`).join('、')}`);
  }
  return lines;
}

export const showResult: Command = {
  names: ['结果', '查看结果'],
  usage: '结果 <任务编号> — 检查结果、各部门录入人、审核记录和更正前的版本（R20）',
  async run(args, ctx) {
    if (!args.trim()) return [text('请写明任务编号，例如：结果 县市管局抽查〔2026〕1号')];
    const v = await ctx.services.results.view(args.trim());
    const head = `${v.task.taskNo}（${v.task.entityName}，${v.task.creditCode}）检查结果：${statusText(v.status)}`;
    if (!v.result) return [text(`${head}\n尚未录入。发送“录入结果 ${v.task.taskNo}”录入。`)];
    const r = v.result;
    const lines = [head, ...(r.round > 1 ? [`第${r.round}版（更正理由：${r.correctionReason}）`] : []), ...partLines(r, v.names)];
    const fus = await ctx.services.results.followUps(v.task.taskNo);
    if (fus.length) lines.push('处置：', ...fus.map((f, i) => followUpLine(f, i).replace(`${f.taskNo} `, '')));
    if (v.approval) lines.push('审核记录：', ...approvalHistory(v.approval));
    for (const e of [...r.earlier].reverse()) {
      lines.push(`—— 第${e.round}版（${e.approvedAt ? `${e.approvedAt.slice(0, 10)}审核通过，` : ''}${e.correctedAt.slice(0, 10)}由${e.correctedBy}更正，理由：${e.reason}）——`);
      lines.push(...partLines({ ...r, form: e.form, parts: e.parts }, v.names));
    }
    return [text(lines.join('\n'))];
  },
};

/** R16: the entity's inspection history from every department, for 查 <代码>; empty when none. */
export async function historyLines(creditCode: string, ctx: CommandContext, limit = 10): Promise<string[]> {
  const h = await ctx.services.results.history(creditCode);
  if (h.length === 0) return [];
  const rows = h.slice(0, limit).map(({ entry: e, openFollowUps }, i) =>
    `${i + 1}. ${e.start === e.end ? e.start : `${e.start}至${e.end}`}｜${e.departments.map(unitName).join('、')}｜${e.taskNo}｜${e.categories.join('、')}${openFollowUps ? `｜待处置 ${openFollowUps} 项` : ''}`);
  return [`检查记录（各部门共享互认，R16，共${h.length}次）：`, ...rows];
}

/**
 * R16 for the plan preview (新建计划): the entities targeted that other departments inspected in
 * the last 12 months with an approved result; empty when none.
 */
export async function planRecognitionLines(draft: PlanDraft, ctx: CommandContext, shown = 3): Promise<string[]> {
  const found = await ctx.services.results.planTargetsInspectedByOthers(draft);
  if (found.length === 0) return [];
  const rows = found.slice(0, shown).map((f) => `${f.entityName}（${f.taskNo}，${f.departments.map(unitName).join('、')}）`);
  return [`提示（R16，结果互认）：计划对象中有 ${found.length} 户近12个月已由其他部门检查且结果已审核，如${rows.join('；')}${found.length > shown ? ' 等' : ''}。检查事项相同的，可采用其结果，避免重复检查（发送“查 <代码>”查看检查记录）。`];
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The 检查记录表 as xlsx: entity, window, team (组长 first), every department's items with a column each for 是否检查 / 检查情况 / 处置. */
export async function formWorkbook(f: Awaited<ReturnType<CommandContext['services']['results']['form']>>): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs'); // loaded when first needed: keeps start-up fast
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('检查记录表');
  const t = f.task;
  ws.addRow([`检查记录表（${t.taskNo}）`]);
  ws.addRow(['检查对象', `${t.entityName}（${t.creditCode}）`]);
  ws.addRow(['检查期', `${t.window.from} 至 ${t.window.to}`]);
  ws.addRow(['牵头部门', unitName(t.lead), '参加部门', t.departments.filter((d) => d !== t.lead).map(unitName).join('、') || '-']);
  ws.addRow(['检查人员', f.team.map((o) => `${o.name}（${o.inspectorNo}，${unitName(o.department)}${o.leader && o.department === t.lead ? '，组长' : ''}）`).join('、')]);
  ws.addRow(['检查日期', '', '核查方式', METHODS.map((m) => `□${m}`).join(' ')]);
  ws.addRow([]);
  ws.addRow(['序号', '部门', '检查事项', '检查依据', '是否检查', '检查情况', '处置']);
  f.items.forEach((it, i) => ws.addRow([i + 1, unitName(it.department), it.name, it.legalBasis, '□已检查 □未检查（理由：　）', '', '']));
  ws.addRow([]);
  ws.addRow(['检查结果（可多选）', '']);
  ws.columns.forEach((c, i) => { c.width = [10, 18, 24, 30, 26, 30, 24][i] ?? 12; });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const inspectionForm: Command = {
  names: ['检查单', '检查记录表'],
  usage: '检查单 <任务编号> — 把一次检查的检查记录表（xlsx，一张表含各部门事项）发到参加部门的工作群',
  async run(args, ctx) {
    if (!args.trim()) return [text('请写明任务编号，例如：检查单 县市管局抽查〔2026〕1号')];
    const f = await ctx.services.results.form(ctx.caller, args.trim());
    const t = f.task;
    const lines = [
      `${t.taskNo} 检查记录表：${t.entityName}（${t.creditCode}），检查期 ${t.window.from}至${t.window.to}`,
      `检查人员：${f.team.map((o) => `${o.name}${o.leader && o.department === t.lead ? '（组长）' : ''}`).join('、')}`,
      ...f.items.map((it, i) => `${i + 1}. 【${unitName(it.department)}】${it.name}（依据：${it.legalBasis || '-'}）`),
    ];
    if (!ctx.announcer) return [text(`${lines.join('\n')}\n（未配置工作群机器人，无法发送xlsx文件）`)];
    const file = { name: `${t.taskNo}检查记录表.xlsx`, contentType: XLSX, data: await formWorkbook(f) };
    let sent = 0;
    for (const d of t.departments) sent += await ctx.announcer.announce(d, { title: `检查记录表 ${t.taskNo}`, markdown: lines.join('\n'), file });
    const where = sent ? `已发到${t.departments.map(unitName).join('、')}的工作群（一次检查一张表）` : '参加部门均未配置工作群机器人，文件未发送，请联系管理员';
    return [text(`${lines.join('\n')}\n${where}。检查后发送“录入结果 ${t.taskNo}”录入。`)];
  },
};

export const lenientList: Command = {
  names: ['免罚清单'],
  usage: '免罚清单 [部门] — 本单位（或指定单位）轻微违法首违不罚的清单（R18）',
  async run(args, ctx) {
    const unit = args.trim() ? findUnit(args.trim()) : { code: ctx.caller.department };
    if (!unit) return [text(`部门“${args.trim().slice(0, 20)}”不是联席会议成员单位，请用如“县市管局”的名称`)];
    const list = await ctx.services.results.lenientList(unit.code);
    if (list.length === 0) return [text(`${unitName(unit.code)}尚未导入免罚清单（R18）。管理员可用 npm run cli -- import lenient <文件> 导入。`)];
    return [text(`${unitName(unit.code)}免罚清单（R18，${list.length}条）：\n${list.map((e) => `第${e.no}条${e.itemCode ? `（事项${e.itemCode}）` : ''} ${e.violation}${e.conditions ? `；条件：${e.conditions}` : ''}；依据：${e.legalBasis}`).join('\n')}`)];
  },
};

const DIRECTION = { raise: '调高', lower: '调低' } as const;

function riskCard(p: RiskProposalDoc): Card {
  return {
    cardId: `rk-${createHash('sha256').update(p.id).digest('hex').slice(0, 24)}`,
    title: `信用风险分类${DIRECTION[p.direction]}建议：${p.entityName}`,
    description: `依据规则 R17，检查结果用于信用风险分类。建议由“${p.from}”${DIRECTION[p.direction]}为“${p.to}”。`,
    fields: [
      { label: '主体', value: `${p.entityName}（${p.creditCode}）` },
      { label: '依据', value: `${p.reason}（${p.taskNo}）` },
    ],
    buttons: [
      { key: `rk.yes:${p.id}`, label: '采纳', style: 'primary' },
      { key: `rk.no:${p.id}`, label: '不予采纳', style: 'danger' },
    ],
  };
}

export const riskProposals: Command = {
  names: ['风险建议'],
  usage: '风险建议 — 联席办审定由检查结果产生的信用风险分类调整建议（R17）',
  roles: ['office', 'admin'],
  async run(_args, ctx) {
    const list = await ctx.services.results.riskProposals(ctx.caller);
    if (list.length === 0) return [text('暂无待审定的信用风险分类调整建议（R17）。')];
    const lines = list.map((p, i) => `${i + 1}. ${p.entityName}（${p.creditCode}）｜${p.from} → ${p.to}｜${p.reason}（${p.taskNo}）`);
    const cards: Reply[] = list.slice(0, ctx.pageSize).map((p) => ({ kind: 'card', card: riskCard(p) }));
    return [text(`待审定的信用风险分类调整建议（R17，${list.length}条）：\n${lines.join('\n')}`), ...cards];
  },
};

const riskAction = (apply: boolean): CardAction => ({
  action: apply ? 'rk.yes' : 'rk.no',
  async run(id, ctx) {
    const p = await ctx.services.results.decideRisk(ctx.caller, id, apply);
    const what = apply ? `已采纳：${p.entityName}的信用风险分类由“${p.from}”调整为“${p.to}”（依据 ${p.taskNo}，R17）` : `已不予采纳：${p.entityName}的信用风险分类保持“${p.from}”`;
    return { replies: [text(`${what}。`)], outcome: `${apply ? '已采纳' : '不予采纳'}（${ctx.caller.name}）` };
  },
});

export const riskActions: CardAction[] = [riskAction(true), riskAction(false)];
