/**
 * Out-of-period filings in chat (备案, R2, R10, R11): a guided conversation that
 * asks for the entity, the reason, the planned date, the officers and a
 * description (or takes them all on one line), says as soon as it can whether
 * the inspection needs no filing, is refused, or must be filed; checks the team
 * (R8a); shows a summary; and on 提交 numbers the filing and sends it to the
 * department leader, 联席办 and 司法局. 备案列表 lists a month's filings by
 * department; 查看备案 shows one with its history.
 */
import { z } from 'zod';
import { FILING_REASON_LABELS, parseFilingReason } from '../../src/domain/filing';
import { lookup } from '../../src/domain/fields';
import { isEnforcementOfficer } from '../../src/domain/inspector';
import { unitName } from '../../src/domain/organisation';
import { POOL_LABELS, POOLS } from '../../src/domain/pools';
import { FILING_STATUS_WORDS, statusWords } from '../../src/domain/status';
import { Refusal } from '../../src/services/context';
import { FILING_NO, FILING_ROLES } from '../../src/services/filings';
import type { FilingDoc } from '../../src/domain/records/filing';
import type { ApprovalDoc } from '../../src/domain/records/approval';
import { text, type Reply } from '../types';
import { announceChange, approvalHistory } from './approvals';
import { longList, registerHint, returnedBecause } from './format';
import { keyValues } from './args';
import { defineFlow, optional, type Answer, type Progress, type Turn } from './flow';
import { parseMonth, parsePlannedDay, splitList } from './parse';
import type { Command, CommandContext } from './types';

type Step = 'entity' | 'reason' | 'date' | 'officers' | 'description';
const STEPS: readonly Step[] = ['entity', 'reason', 'date', 'officers', 'description'];

/** The draft as stored between turns; checked whenever it is read back. */
const DraftSchema = z.object({
  creditCode: optional(z.string()),
  entityName: optional(z.string()),
  pool: optional(z.enum(POOLS)),
  /** The official's own words; the decision parses them. */
  reason: optional(z.string()),
  day: optional(z.string()),
  /** Inspector numbers. */
  officers: optional(z.array(z.string())),
  description: optional(z.string()),
  /** The decision already told to the user ("pool|day|reason"), so it is said once. */
  told: optional(z.string()),
  /** The credit codes of the entities last listed for a name, so "2" picks the second. */
  choices: optional(z.array(z.string())),
  /** Editing a returned filing (修改备案): its number and the version the edit started from. */
  editOf: optional(z.string()),
  editVersion: optional(z.number().int()),
});
type Draft = z.infer<typeof DraftSchema>;

const FIELD_WORDS: Record<string, Step> = {
  主体: 'entity', 对象: 'entity', 检查对象: 'entity', 企业: 'entity', 代码: 'entity',
  事由: 'reason', 原因: 'reason', 理由: 'reason',
  日期: 'date', 时间: 'date', 检查日期: 'date', 计划日期: 'date',
  人员: 'officers', 检查人员: 'officers', 执法人员: 'officers',
  说明: 'description', 情况: 'description', 情况说明: 'description', 描述: 'description',
};
const FIELD_NAMES = '主体、事由、日期、人员、说明';
const REASON_CHOICES = Object.values(FILING_REASON_LABELS).join('、');
const MAX_REASON_CHARS = 100;

function prompt(step: Step, ctx: CommandContext): string {
  const t = ctx.services.filings.today();
  switch (step) {
    case 'entity': return '请输入检查对象的统一社会信用代码，或名称中的几个字，例如 91361129MA35GK1L7T 或“华达”';
    case 'reason': return `请说明检查事由，例如“投诉举报”或“消防安全投诉”（安静期只可因${REASON_CHOICES.replace('、外地移送', '')}检查，R11）`;
    case 'date': return `请输入计划检查日期，例如 ${t.slice(0, 4)}-10-12 或“10月12日”`;
    case 'officers': return '请输入检查人员（本单位执法检查人员名录中的姓名或人员编号），至少两名持有效执法证的执法人员（R8a），用“、”分隔，例如：王执法、李执法';
    case 'description': return '请简要说明检查情况，例如：群众投诉该店消防通道堵塞，拟现场核查';
  }
}

async function answerStep(step: Step, input: string, d: Draft, ctx: CommandContext): Promise<Answer<Draft>> {
  const svc = ctx.services.filings;
  switch (step) {
    case 'entity': {
      // A number picks from the entities just listed, like a plan's items.
      const pick = /^\s*第?(\d{1,3})个?\s*$/.exec(input.normalize('NFKC'));
      const picked = pick && d.choices ? d.choices[Number(pick[1]) - 1] : undefined;
      if (pick && d.choices && !picked) return { ok: false, reason: `请回复 1 到 ${d.choices.length} 之间的序号，或统一社会信用代码` };
      const m = await svc.findEntity(picked ?? input, ctx.pageSize);
      if (m.kind === 'none') return { ok: false, reason: m.message };
      if (m.kind === 'many') {
        const rows = m.rows.map((e, i) => `${i + 1}. ${e.name}｜${e.creditCode}｜${e.pool}类`).join('\n');
        const more = m.total > m.rows.length ? `\n（共${m.total}个，仅列前${m.rows.length}个，可输入更完整的名称）` : '';
        return {
          ok: false,
          reason: `名称含“${input.trim().slice(0, 20)}”的主体有${m.total}个：\n${rows}${more}\n请回复序号（如 1），或其中一个的统一社会信用代码，例如 ${m.rows[0].creditCode}`,
          draft: { ...d, choices: m.rows.map((e) => e.creditCode) },
        };
      }
      return { ok: true, draft: { ...d, creditCode: m.entity.creditCode, entityName: m.entity.name, pool: m.entity.pool, choices: undefined } };
    }
    case 'reason': {
      const r = input.trim();
      if (!r) return { ok: false, reason: prompt('reason', ctx) };
      if (r.length > MAX_REASON_CHARS) return { ok: false, reason: `事由过长（${r.length}字），请用几个字概括，例如“投诉举报”；详细情况稍后在“说明”中填写` };
      return { ok: true, draft: { ...d, reason: r } };
    }
    case 'date': {
      const parsed = parsePlannedDay(input, svc.today());
      const day = parsed.ok ? svc.plannedDay(parsed.value) : parsed;
      return day.ok ? { ok: true, draft: { ...d, day: day.value } } : day;
    }
    case 'officers': {
      const team = await svc.resolveOfficers(ctx.caller, splitList(input));
      return team.ok ? { ok: true, draft: { ...d, officers: team.value.map((p) => p.inspectorNo) } } : team;
    }
    case 'description': {
      const t = input.trim();
      if (t.length < 4) return { ok: false, reason: `请用一句话说明检查情况（至少4个字），${prompt('description', ctx).replace('请简要说明检查情况，', '')}` };
      if (t.length > 500) return { ok: false, reason: `情况说明过长（${t.length}字），请控制在500字以内` };
      return { ok: true, draft: { ...d, description: t } };
    }
  }
}

async function summary(d: Draft, ctx: CommandContext): Promise<string> {
  if (!d.creditCode || !d.pool) throw new Error('filing draft has no entity');
  const team = await ctx.services.filings.resolveOfficers(ctx.caller, d.officers ?? []);
  const people = team.ok
    ? team.value.map((p) => `${p.name}（${p.inspectorNo}${isEnforcementOfficer(p) ? `，执法证至${p.certificateExpiry}` : '，专家，不计入执法人员'}）`).join('、')
    : (d.officers ?? []).join('、');
  const parsed = parseFilingReason(d.reason ?? '');
  const reason = parsed.ok ? `${FILING_REASON_LABELS[parsed.value]}${d.reason !== FILING_REASON_LABELS[parsed.value] ? `（${d.reason}）` : ''}` : d.reason;
  return [
    '请核对备案内容：',
    `检查对象：${d.entityName}（${d.creditCode}，${POOL_LABELS[d.pool]}）`,
    `事由：${reason}`,
    `计划检查日期：${d.day}`,
    `检查人员：${people}`,
    `情况说明：${d.description}`,
    ...(await recentNote(d.creditCode, ctx)),
    `回复“提交”报送（部门领导确认 → 联席办、司法局备案登记）；或“改 <项目>”修改（${FIELD_NAMES}）；“取消”放弃。`,
  ].join('\n');
}

/** R16: results are recognised across departments — say when another department inspected the entity recently. */
async function recentNote(creditCode: string, ctx: CommandContext): Promise<string[]> {
  const recent = await ctx.services.results.recentByOthers(creditCode, ctx.caller.department);
  if (recent.length === 0) return [];
  const rows = recent.map((e) => `${e.end} ${e.departments.map(unitName).join('、')}（${e.taskNo}：${e.categories.join('、')}）`);
  return [`提示（R16，结果互认）：近12个月其他部门已检查过该主体：${rows.join('；')}。如检查事项相同，可直接采用其结果，避免重复检查。`];
}

/**
 * Where the draft stands: the first thing missing is asked; the conversation
 * ends as soon as the inspection needs no filing; a refused reason holds it at
 * the reason; a complete draft shows its summary.
 */
async function next(d0: Draft, ctx: CommandContext): Promise<{ draft: Draft; progress: Progress<Step> }> {
  const d = { ...d0 };
  const say: string[] = [];
  const at = (progress: Progress<Step>) => ({ draft: d, progress });
  const ask = (step: Step) => at({ ask: step, say });
  if (!d.creditCode || !d.pool) return ask('entity');
  const svc = ctx.services.filings;
  const about = `${d.entityName}（${POOL_LABELS[d.pool]}）`;
  const notNeeded = (message: string) => at({ end: [`${about}：${message}。本次检查不必报备，没有保存任何内容。`] });
  // Said as soon as it is known: a C entity never needs filing, a B entity in its window whatever the reason.
  const early = d.pool === 'C' || d.day ? svc.decide(d.pool, d.day ?? svc.today(), d.reason ?? '') : undefined;
  if (early?.kind === 'not_needed' && !d.editOf) return notNeeded(early.message);
  if (!d.reason) return ask('reason');
  if (!d.day) return ask('date');
  const decision = svc.decide(d.pool, d.day, d.reason);
  if (decision.kind === 'not_needed') return notNeeded(decision.message);
  if (decision.kind === 'refused') {
    // The conversation stays: another reason (or date) may be allowed.
    const how = `可回复另一个事由，或发送“改 日期”${decision.rule === 'R11' ? '改到检查期内' : ''}，或“取消”放弃。`;
    return at({ hold: 'reason', say: [`${about}：${decision.message}。本次备案尚未提交，没有保存任何内容。${how}`] });
  }
  const key = `${d.pool}|${d.day}|${decision.reason}`;
  if (d.told !== key) {
    say.push(`${about}：${decision.message}。`);
    d.told = key;
  }
  if (!d.officers) return ask('officers');
  const team = await svc.resolveOfficers(ctx.caller, d.officers);
  const problem = team.ok ? svc.teamProblem(team.value, d.creditCode, d.day) : { message: team.reason };
  if (problem) {
    say.push(problem.message);
    d.officers = undefined;
    return ask('officers');
  }
  if (!d.description) return ask('description');
  return at({ summary: true, say });
}

async function submit(d: Draft, ctx: CommandContext): Promise<Reply[]> {
  const edit = d.editOf ? { filingNo: d.editOf, version: d.editVersion ?? 1 } : undefined;
  if (!d.creditCode || !d.reason || !d.day || !d.officers || !d.description) throw new Error('filing draft is incomplete');
  const { filing, change } = await ctx.services.filings.submit(ctx.caller, {
    creditCode: d.creditCode, reason: d.reason, day: d.day, officers: d.officers, description: d.description,
  }, edit);
  announceChange(change, ctx);
  const who = change.deciders.map((u) => u.name).join('、') || `（本单位暂无已登记的其他部门领导，${registerHint(ctx)}）`;
  const rules = filing.rules.join('、');
  const form = filing.pool === 'A' ? '\n请注意：检查对象在A类联合监管库，检查结束后须将检查表报联席办和司法局备案（R2）。' : '';
  return [text(`备案 ${filing.filingNo} 已${edit ? '重新' : ''}提交（${rules}），已送部门领导确认（${who}），之后报联席办、司法局备案登记。发送“查看备案 ${filing.filingNo}”可查看进度。${form}`)];
}

export const filingFlow = defineFlow<Step, Draft>({
  name: 'filing',
  label: '备案',
  steps: STEPS,
  draft: DraftSchema,
  fields: FIELD_WORDS,
  fieldNames: FIELD_NAMES,
  changeExample: '日期',
  prompt: (step, _d, ctx) => prompt(step, ctx),
  answer: answerStep,
  next,
  summary,
  submit,
});

/** Everything on one line: "备案 <代码或名称> 事由=… 日期=… 人员=…、… 说明=…" (说明 takes the rest of the line). */
async function prefill(args: string, ctx: CommandContext): Promise<Turn> {
  let rest = args;
  let description: string | undefined;
  const said = /(?:^|\s)(?:说明|情况说明|情况|描述)[=:：＝]/.exec(rest);
  if (said) {
    description = rest.slice(said.index + said[0].length).trim();
    rest = rest.slice(0, said.index);
  }
  const { pairs, words } = keyValues(rest);
  const given: [Step, string][] = [];
  if (words.length) given.push(['entity', words.join(' ')]);
  const lead: string[] = [];
  for (const [k, v] of pairs) {
    const step = FIELD_WORDS[k];
    if (!step || step === 'description') lead.push(`“${k.slice(0, 10)}”不是备案的项目（可用：${FIELD_NAMES}），已忽略`);
    else given.push([step, v]);
  }
  if (description !== undefined) given.push(['description', description]);
  let d: Draft = {};
  let failed: Step | undefined;
  const later: string[] = [];
  // The entity first: the officers' check needs it, and an ambiguous name is asked again before anything else.
  for (const [step, value] of given.sort((a, b) => order(a[0]) - order(b[0]))) {
    const r = await answerStep(step, value, d, ctx);
    if (r.ok) d = r.draft;
    else {
      if (r.draft) d = r.draft;
      // Problems with the officers or the description matter only if the inspection must be filed.
      (order(step) >= order('officers') ? later : lead).push(r.reason);
      failed ??= step;
    }
  }
  const svc = ctx.services.filings;
  const early = d.creditCode && d.pool && (d.pool === 'C' || d.day) ? svc.decide(d.pool, d.day ?? svc.today(), d.reason ?? '') : undefined;
  if (early?.kind === 'not_needed') return filingFlow.proceed(d, ctx, lead);
  return filingFlow.proceed(d, ctx, [...lead, ...later], failed);
}

const order = (s: Step) => STEPS.indexOf(s);

/** A stored reason in words: its label, or the official's own words when it is none of them. */
const reasonLabel = (reason: string): string => lookup(FILING_REASON_LABELS, reason) ?? reason;

function status(a: ApprovalDoc | undefined): string {
  return statusWords(a, FILING_STATUS_WORDS);
}

function filingLine(f: FilingDoc, a: ApprovalDoc | undefined, i: number): string {
  return `${i + 1}. ${f.filingNo}｜${f.plannedDate}｜${f.entityName}（${f.pool}类）｜${reasonLabel(f.reason)}｜${status(a)}`;
}

async function showFiling(no: string, ctx: CommandContext): Promise<Reply[]> {
  const { filing: f, approval, officers } = await ctx.services.filings.view(ctx.caller, no);
  const names = f.officers.map((n) => officers.find((p) => p.inspectorNo === n)).map((p, i) => (p ? `${p.name}（${p.inspectorNo}）` : f.officers[i]));
  const lines = [
    `备案 ${f.filingNo}（${unitName(f.department)}）`,
    `检查对象：${f.entityName}（${f.creditCode}，${POOL_LABELS[f.pool]}）`,
    `事由：${reasonLabel(f.reason)}　依据：${f.rules.join('、')}`,
    `计划检查日期：${f.plannedDate}`,
    `检查人员：${names.join('、')}`,
    `情况说明：${f.description}`,
  ];
  if (f.pool === 'A') lines.push('A类联合监管库主体：检查表须报联席办和司法局备案（R2）');
  if (approval) lines.push(...approvalHistory(approval));
  lines.push(`提交：${f.createdBy}`);
  return [text(lines.join('\n'))];
}

export const fileInspection: Command = {
  names: ['备案', '检查备案', '报备'],
  usage: '备案 [代码或名称 事由=… 日期=… 人员=…、… 说明=…] — 安静期或A类主体的检查报备（R2、R11），逐项填写或一行写完',
  roles: FILING_ROLES,
  async run(args, ctx) {
    if (FILING_NO.test(args.trim())) return showFiling(args, ctx);
    ctx.services.filings.mayFile(ctx.caller);
    const intro = `开始报备${unitName(ctx.caller.department)}的检查（R2、R11），逐项填写，随时可发送“改 <项目>”修改、“取消”放弃。`;
    const turn = args.trim() ? await prefill(args.trim(), ctx) : await filingFlow.proceed({}, ctx, [intro]);
    if (turn.next) ctx.begin(filingFlow.name, turn.next);
    return turn.replies;
  },
};

export const listFilings: Command = {
  names: ['备案列表', '备案清单'],
  usage: '备案列表 [YYYY-MM] [部门] — 某月的检查备案，按部门列出（默认本月、本单位；联席办、司法局可看全县）',
  async run(args, ctx) {
    const today = ctx.services.filings.today();
    let month = today.slice(0, 7);
    const dept: string[] = [];
    for (const w of args.split(/\s+/).filter(Boolean)) {
      const m = parseMonth(w, today.slice(0, 4));
      if (m === false) throw new Refusal(`“${w.slice(0, 10)}”不是有效月份，请写成 ${month}`);
      if (m) month = m;
      else dept.push(w);
    }
    const { department, views } = await ctx.services.filings.list(ctx.caller, month, dept.join('') || undefined);
    const scope = department ? unitName(department) : '全县';
    const title = `${month.slice(0, 4)}年${Number(month.slice(5))}月检查备案（${scope}）`;
    if (views.length === 0) return [text(`${title}：没有备案。`)];
    const groups = new Map<string, typeof views>();
    for (const v of views) groups.set(v.filing.department, [...(groups.get(v.filing.department) ?? []), v]);
    const lines: string[] = [];
    for (const [d, vs] of groups) {
      lines.push(`【${unitName(d)}】${vs.length}件`);
      vs.forEach((v, i) => lines.push(filingLine(v.filing, v.approval, i)));
    }
    return longList(ctx, {
      title, head: `${title}，共${views.length}件：`, lines, rows: views.length, fileLines: views.map((v, i) => `${filingLine(v.filing, v.approval, i)}｜${unitName(v.filing.department)}`),
      columns: ['备案编号', '计划检查日期', '检查对象', '事由', '状态', '部门'], foot: '发送“查看备案 <编号>”查看详情和审批记录。',
    });
  },
};

export const viewFiling: Command = {
  names: ['查看备案'],
  usage: '查看备案 <编号> — 备案内容和审批记录',
  async run(args, ctx) {
    if (!args.trim()) throw new Refusal('请写明备案编号，例如：查看备案 BA2026-0001。发送“备案列表”查看本月备案。');
    return showFiling(args, ctx);
  },
};

export const editFiling: Command = {
  names: ['修改备案'],
  usage: '修改备案 <编号> — 修改被退回的备案后重新提交',
  roles: FILING_ROLES,
  async run(args, ctx) {
    if (!args.trim()) throw new Refusal('请写明备案编号，例如：修改备案 BA2026-0001。发送“备案列表”查看本月备案。');
    const { filing: f, approval, version } = await ctx.services.filings.editable(ctx.caller, args);
    const d: Draft = {
      creditCode: f.creditCode, entityName: f.entityName, pool: f.pool, reason: f.reason, day: f.plannedDate, officers: f.officers,
      description: f.description, editOf: f.filingNo, editVersion: version,
    };
    return filingFlow.start(d, ctx, [`修改备案 ${f.filingNo}：`, returnedBecause(approval)]);
  },
};

export const filingCommands: Command[] = [fileInspection, editFiling, listFilings, viewFiling];
