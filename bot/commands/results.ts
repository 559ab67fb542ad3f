/**
 * Inspection results in chat (R15: 谁检查、谁录入): 录入结果 <任务编号> is a guided
 * conversation — the lead department gives the visit's dates and 核查方式, every
 * department answers its own items one by one, the lead picks the overall result
 * categories; nothing is written before 提交. A joint task's form is submitted by
 * the lead department's 组长 once every part is in (提交结果); the department
 * leader approves or returns it through the approval engine. 更正结果 corrects an
 * approved result with a reason, keeping the earlier version (R20). 结果 shows it all.
 *
 * Evidence (images, files) attaches to the result's parts (`ResultPart.evidence`);
 * receiving them in the conversation is not wired yet: the router still answers an
 * attachment with a note.
 */
import { findUnit, unitName } from '../../src/domain/organisation';
import { checkConsistency, HANDLING_HELP, MAX_EVIDENCE_BYTES, handlingText, METHODS, parseCategories, parseFinding, parseHandling, parseMethods, type ItemFinding } from '../../src/domain/result';
import type { FlowState } from '../../src/services/conversations';
import { FILING_ITEM, FILING_ITEM_NAME, type PlanProgress, type SaveOutcome, type TaskStatus } from '../../src/services/results';
import type { ResultDoc, ResultPart } from '../../src/domain/records/result';
import { text, type Reply } from '../types';
import { announceChange, approvalHistory } from './approvals';
import type { CardAction, Command, CommandContext, Flow } from './types';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Refusal } from '../../src/services/context';
import ExcelJS from 'exceljs';
import type { Card } from '../cards/card';
import type { FollowUpDoc, RiskProposalDoc } from '../../src/domain/records/result';

type Step = 'dates' | 'methods' | 'item' | 'handling' | 'categories' | 'confirm';

interface Draft {
  taskNo: string;
  creditCode: string;
  /** 免罚清单 entries that may apply to a problem, by item index (R18). */
  lenient?: Record<string, { no: number; violation: string; conditions: string }[]>;
  entity: string;
  department: string;
  lead: boolean;
  window: { from: string; to: string };
  keys: string[];
  names: string[];
  findings: (ItemFinding | null)[];
  /** Other departments' findings already in, and whether some are still missing (consistency). */
  others: ItemFinding[];
  othersMissing: boolean;
  start?: string;
  end?: string;
  methods?: string[];
  categories?: string[];
  correction?: string;
  /** Evidence received so far (stored by content; listed on the part at 提交). */
  evidence?: { name: string; sha256: string; bytes: number }[];
}

type Turn = { replies: Reply[]; next?: FlowState };

const FLOW = 'result';
const HINT = '（发送“改 <项目>”修改，“取消”放弃，提交前不会保存任何内容）';
const state = (step: Step, d: Draft): FlowState => ({ step, data: d as unknown as Record<string, unknown> });

const findingText = (f: ItemFinding | null | undefined): string =>
  !f ? '未填' : !f.checked ? `未检查（${f.reason}）` : f.problem ? `发现问题：${f.problem}${f.handling ? `；处置：${handlingText(f.handling, unitName)}` : ''}` : '未发现问题';
/** The first item still to answer, or whose problem still needs a handling (R14). */
const nextItem = (d: Draft): { i: number; step: 'item' | 'handling' } | undefined => {
  const i = d.findings.findIndex((f) => !f || (f.problem && !f.handling));
  return i < 0 ? undefined : { i, step: d.findings[i] ? 'handling' : 'item' };
};

function prompt(step: Step, d: Draft, ctx: CommandContext): string {
  switch (step) {
    case 'dates': return `请输入检查日期（检查期 ${d.window.from}至${d.window.to}，不晚于今天）：一天写 ${d.window.from}，几天写 ${d.window.from}至${d.window.to}`;
    case 'methods': return `请选择核查方式，可多选（回复序号或名称，用“、”分隔）：${METHODS.map((m, i) => `${i + 1}.${m}`).join(' ')}`;
    case 'item': {
      const i = d.findings.findIndex((f) => !f);
      return `第${i + 1}/${d.keys.length}项【${unitName(d.department)}】${d.names[i]}：回复“未发现问题”、“发现问题 <问题描述>”或“未检查 <理由>”`;
    }
    case 'handling': {
      const i = nextItem(d)?.i ?? 0;
      const entries = d.lenient?.[i] ?? [];
      const lenient = entries.length
        ? `\n本事项的免罚清单（R18）：\n${entries.map((e) => `第${e.no}条 ${e.violation}${e.conditions ? `（条件：${e.conditions}）` : ''}`).join('\n')}\n符合条件且为首次违法的，可回复“首违不罚 <条目号> <改正期限>”（责令改正并教育，不予处罚）`
        : '';
      return `第${i + 1}项${d.names[i]}发现的问题：${d.findings[i]?.problem}\n${HANDLING_HELP}${lenient}`;
    }
    case 'categories': return `请选择检查结果，可多选（回复序号，例如 1 或 6、7）：\n${ctx.services.results.categories.map((c, i) => `${i + 1}. ${c.label}`).join('\n')}`;
    case 'confirm': return '请回复“提交”，或“改 <项目>”修改';
  }
}

function summary(d: Draft): string {
  const lines = [`请核对 ${d.taskNo}（${d.entity}）的检查结果${d.correction ? `更正（理由：${d.correction}）` : ''}：`];
  if (d.lead) {
    lines.push(`检查日期：${d.start === d.end ? d.start : `${d.start}至${d.end}`}`, `核查方式：${d.methods?.join('、')}`);
  }
  lines.push(`【${unitName(d.department)}】检查事项：`, ...d.keys.map((_, i) => `${i + 1}. ${d.names[i]}：${findingText(d.findings[i])}`));
  if (d.lead) lines.push(`检查结果：${d.categories?.join('、')}`);
  if (d.evidence?.length) lines.push(`证据：${d.evidence.map((e) => e.name).join('、')}`);
  const edits = d.lead ? '“改 日期”、“改 方式”、“改 事项 <序号>”、“改 处置 <序号>”、“改 结果”' : '“改 事项 <序号>”、“改 处置 <序号>”';
  lines.push(`回复“提交”保存（可先发送“证据 <文件路径>”附上照片或文件）；或${edits}修改；“取消”放弃。`);
  return lines.join('\n');
}

/** Asks for the first thing missing, or shows the summary. */
function proceed(d: Draft, ctx: CommandContext, lead: string[]): Turn {
  const ask = (step: Step): Turn => ({ replies: [text([...lead, prompt(step, d, ctx)].join('\n') + HINT)], next: state(step, d) });
  if (d.lead && !d.start) return ask('dates');
  if (d.lead && !d.methods) return ask('methods');
  const item = nextItem(d);
  if (item) return ask(item.step);
  if (d.lead && !d.categories) return ask('categories');
  return { replies: [text([...lead, summary(d)].join('\n'))], next: state('confirm', d) };
}

async function answer(step: Step, input: string, d: Draft, ctx: CommandContext): Promise<{ ok: true; draft: Draft } | { ok: false; reason: string }> {
  const svc = ctx.services.results;
  switch (step) {
    case 'dates': {
      const r = svc.dates(d.window, input);
      return r.ok ? { ok: true, draft: { ...d, ...r.value } } : r;
    }
    case 'methods': {
      const r = parseMethods(input);
      return r.ok ? { ok: true, draft: { ...d, methods: r.value } } : r;
    }
    case 'item': {
      const i = d.findings.findIndex((f) => !f);
      const r = parseFinding(d.keys[i], input);
      if (!r.ok) return r;
      const entries = r.value.problem ? await svc.lenientFor(d.keys[i]) : [];
      const lenient = { ...(d.lenient ?? {}), [i]: entries.map(({ no, violation, conditions }) => ({ no, violation, conditions })) };
      return { ok: true, draft: { ...d, lenient, findings: d.findings.map((f, j) => (j === i ? r.value : f)) } };
    }
    case 'handling': {
      const i = nextItem(d)?.i ?? -1;
      if (i < 0) return { ok: false, reason: '没有待选择处置方式的问题' };
      const first = /^首违不罚\s+(\d+)\s+(\S+)$/.exec(input.trim());
      if (first) {
        const entry = (d.lenient?.[i] ?? []).find((e) => e.no === Number(first[1]));
        if (!entry) return { ok: false, reason: `本事项的免罚清单没有第${first[1]}条（R18），请核对条目号或选择其他处置方式` };
        const rectify = parseHandling(`责令改正 ${first[2]}`, d.department, svc.today(), findUnit);
        if (!rectify.ok) return rectify;
        await svc.firstViolation(d.creditCode, `${d.department}:${entry.no}`, d.taskNo);
        const handling = { ...rectify.value, lenient: `${d.department}:${entry.no}` } as ItemFinding['handling'];
        return { ok: true, draft: { ...d, findings: d.findings.map((f, j) => (j === i && f ? { ...f, handling } : f)) } };
      }
      const r = parseHandling(input, d.department, svc.today(), findUnit);
      if (!r.ok) return r;
      return { ok: true, draft: { ...d, findings: d.findings.map((f, j) => (j === i && f ? { ...f, handling: r.value } : f)) } };
    }
    case 'categories': {
      const r = parseCategories(input, svc.categories);
      if (!r.ok) return r;
      const mine = d.findings.filter((f): f is ItemFinding => !!f);
      const c = checkConsistency(r.value, [...mine, ...d.others], svc.categories, d.othersMissing);
      return c.ok ? { ok: true, draft: { ...d, categories: r.value } } : c;
    }
    case 'confirm': return { ok: false, reason: '请回复“提交”保存，或“改 <项目>”修改（日期、方式、事项 <序号>、结果）' };
  }
}

/** "改 日期" / "改 方式" / "改 事项 2" / "改 事项" / "改 结果". */
function change(words: string, d: Draft): Draft | string {
  const m = /^(日期|检查日期|方式|核查方式|事项|处置|结果|类别|检查结果)\s*(\d*)$/.exec(words.trim());
  const lead = '可修改的项目：日期、方式、事项 <序号>、处置 <序号>、结果，例如“改 事项 2”';
  if (!m) return lead;
  if (['日期', '检查日期', '方式', '核查方式', '结果', '类别', '检查结果'].includes(m[1]) && !d.lead) return `日期、核查方式和检查结果由牵头部门（组长）填写；您可修改本部门的事项，例如“改 事项 1”`;
  if (m[1].includes('日期')) return { ...d, start: undefined, end: undefined };
  if (m[1].includes('方式')) return { ...d, methods: undefined };
  if (m[1] === '处置') {
    const i = Number(m[2] || '1') - 1;
    if (!d.findings[i]?.problem) return `第${i + 1}项没有发现问题，无需处置`;
    return { ...d, findings: d.findings.map((f, j) => (j === i && f ? { ...f, handling: undefined } : f)) };
  }
  if (m[1] === '事项') {
    if (!m[2]) return { ...d, findings: d.findings.map(() => null) };
    const i = Number(m[2]) - 1;
    if (i < 0 || i >= d.keys.length) return `没有第${m[2]}项，本部门共${d.keys.length}项`;
    return { ...d, findings: d.findings.map((f, j) => (j === i ? null : f)) };
  }
  return { ...d, categories: undefined };
}

function saved(o: SaveOutcome, d: Draft, ctx: CommandContext): Reply[] {
  if (o.change) {
    announceChange(o.change, ctx);
    const who = o.change.deciders.map((u) => u.name).join('、') || '（暂无已登记的部门领导，请联系管理员）';
    const what = d.correction ? `检查结果更正（第${o.result.round}版）` : '检查结果';
    return [text(`${d.taskNo} 的${what}已提交，已送${unitName(o.result.lead)}部门领导审核（${who}）。发送“结果 ${d.taskNo}”查看。`)];
  }
  const mine = `已保存${unitName(d.department)}的检查事项（${d.keys.length}项）`;
  if (o.missing.length) return [text(`${mine}。还需${o.missing.map(unitName).join('、')}录入本部门事项；全部录入后由检查组长（${o.leader ?? '牵头部门'}）发送“提交结果 ${d.taskNo}”提交审核。`)];
  if (o.leader && o.leader !== ctx.caller.userId) {
    ctx.notify(o.leader, text(`${d.taskNo}（${d.entity}）各部门的检查事项均已录入，请核对后发送“提交结果 ${d.taskNo}”提交部门领导审核。`));
  }
  return [text(`${mine}。各部门均已录入，已通知检查组长（${o.leader}）发送“提交结果 ${d.taskNo}”提交审核。`)];
}

/**
 * A local file as evidence: only in the terminal shell (the operator's own machine). In WeCom
 * and DingTalk a path would read the server's files, so it is refused there.
 */
async function evidenceFromPath(file: string, ctx: CommandContext) {
  if (ctx.caller.channel !== 'shell') throw new Refusal('“证据 <文件路径>”只能在终端（npm run chat）中使用；请在检查结果中用文字说明证据情况');
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new Refusal(`找不到文件“${file.slice(0, 80)}”，请写完整路径`);
  if (info.size > MAX_EVIDENCE_BYTES) throw new Refusal(`文件“${path.basename(file).slice(0, 40)}”有${(info.size / 1048576).toFixed(1)}MB，超过${MAX_EVIDENCE_BYTES / 1048576}MB的上限，未保存`);
  return ctx.services.results.addEvidence(path.basename(file), await readFile(file));
}

export const resultFlow: Flow = {
  name: FLOW,
  label: '录入结果',
  async answer(input, st, ctx) {
    const d = { ...(st.data as unknown as Draft) };
    const step = st.step as Step;
    if (step === 'confirm' && ['提交', '确认', '确定'].includes(input)) {
      const form = d.lead ? { start: d.start!, end: d.end!, methods: d.methods!, categories: d.categories! } : undefined;
      const o = await ctx.services.results.save(ctx.caller, d.taskNo, { findings: d.findings as ItemFinding[], form, evidence: d.evidence }, d.correction);
      return { replies: saved(o, d, ctx) };
    }
    const file = /^(?:证据|附件)\s+(.+)$/.exec(input);
    if (file) {
      const e = await evidenceFromPath(file[1].trim(), ctx);
      const next = { ...d, evidence: [...(d.evidence ?? []).filter((x) => x.sha256 !== e.sha256), e] };
      return { replies: [text(`已收到证据“${e.name}”（${Math.ceil(e.bytes / 1024)}KB，SHA-256 ${e.sha256.slice(0, 12)}…），提交后随检查结果保存。${HINT}`)], next: { step: st.step, data: next as unknown as Record<string, unknown> } };
    }
    const edit = /^(?:改|修改|重填)\s*(.+)$/.exec(input);
    if (edit) {
      const next = change(edit[1], d);
      if (typeof next === 'string') return { replies: [text(`${next}${HINT}`)], next: st };
      return proceed(next, ctx, []);
    }
    const r = await answer(step, input, d, ctx);
    if (!r.ok) return { replies: [text(`${r.reason}${HINT}`)], next: st };
    return proceed(r.draft, ctx, []);
  },
};

/** Starts the conversation for the caller's department, prefilled with what is already entered. */
async function start(taskNo: string, ctx: CommandContext, correction?: string): Promise<Reply[]> {
  const svc = ctx.services.results;
  const s = await svc.scope(ctx.caller, taskNo, correction);
  const names = await ctx.services.draws.itemNames(s.items);
  const part: ResultPart | undefined = s.result?.parts[s.department];
  const form = s.lead ? s.result?.form : undefined;
  const others = svc.otherFindings(s);
  const d: Draft = {
    taskNo: s.task.taskNo, creditCode: s.task.creditCode, entity: s.task.entityName || s.task.creditCode, department: s.department, lead: s.lead, window: s.task.window,
    keys: s.items, names: s.items.map((k) => names.get(k) ?? (k.endsWith(`:${FILING_ITEM}`) ? FILING_ITEM_NAME : k)),
    findings: s.items.map((k) => part?.findings.find((f) => f.key === k) ?? null),
    others, othersMissing: s.task.departments.some((x) => x !== s.department && !s.result?.parts[x]),
    start: form?.start, end: form?.end, methods: form?.methods, categories: form?.categories, correction: s.correction,
  };
  // Problems already entered (a returned result, a correction): their 免罚清单 entries (R18).
  for (const [i, f] of d.findings.entries()) {
    if (!f?.problem) continue;
    const entries = await svc.lenientFor(f.key);
    if (entries.length) d.lenient = { ...(d.lenient ?? {}), [i]: entries.map(({ no, violation, conditions }) => ({ no, violation, conditions })) };
  }
  const role = s.lead ? `牵头部门，填写检查日期、核查方式、本部门${s.items.length}个事项和检查结果` : `填写本部门${s.items.length}个事项`;
  const intro = `${correction ? '更正' : '录入'} ${d.taskNo}（${d.entity}）的检查结果：${unitName(s.department)}${role}。`;
  const returned = s.result?.status === 'returned' ? ['该结果已被退回，已载入原填写内容，请按审核意见修改。'] : [];
  const turn = proceed(d, ctx, [intro, ...returned]);
  if (turn.next) ctx.begin(FLOW, turn.next);
  return turn.replies;
}

export const enterResult: Command = {
  names: ['录入结果', '填报结果'],
  usage: '录入结果 <任务编号或备案编号> — 检查组成员或参加部门逐项录入检查结果（R15：谁检查、谁录入），提交后送部门领导审核',
  async run(args, ctx) {
    if (!args.trim()) return [text('请写明任务编号，例如：录入结果 县市管局抽查〔2026〕1号（发送“我的任务”查看）')];
    return start(args.trim(), ctx);
  },
};

export const correctResult: Command = {
  names: ['更正结果'],
  usage: '更正结果 <任务编号> <理由> — 更正已审核的检查结果，原结果保留可查（R20）',
  async run(args, ctx) {
    const m = /^(\S+)\s*(.*)$/.exec(args.trim());
    if (!m) return [text('请写明任务编号和更正理由，例如：更正结果 县市管局抽查〔2026〕1号 检查日期录入有误')];
    return start(m[1], ctx, m[2]);
  },
};

export const submitResult: Command = {
  names: ['提交结果'],
  usage: '提交结果 <任务编号> — 联合检查各部门录入后，牵头部门检查组长提交检查表',
  async run(args, ctx) {
    if (!args.trim()) return [text('请写明任务编号，例如：提交结果 县市管局抽查〔2026〕1号')];
    const o = await ctx.services.results.submit(ctx.caller, args.trim());
    announceChange(o.change!, ctx);
    const who = o.change!.deciders.map((u) => u.name).join('、') || '（暂无已登记的部门领导，请联系管理员）';
    return [text(`${o.result.taskNo} 的检查结果已提交，已送${unitName(o.result.lead)}部门领导审核（${who}）。`)];
  },
};

export function statusText(s: TaskStatus | undefined): string {
  if (!s) return '';
  const due = s.due ? `，${s.overdue ? '已逾期，应于' : '结果应于'}${s.due}前录入` : '';
  const open = s.state === '待检查' || s.state === '待录入';
  return `${s.state}${open ? due : ''}${open && s.note ? `（${s.note.split('，')[0]}，截止日暂无法计算）` : ''}`;
}

/** "任务 5 个：已审核 2（已完结 1），待审核 1，待录入 1（逾期 1），待检查 1". */
export function progressText(p: PlanProgress): string {
  if (p.total === 0) return '尚无检查任务';
  const parts = [
    `已审核 ${p.reviewed}${p.closed ? `（已完结 ${p.closed}）` : ''}`,
    p.pending ? `待审核 ${p.pending}` : '',
    p.toEnter ? `待录入 ${p.toEnter}` : '',
    p.toInspect ? `待检查 ${p.toInspect}` : '',
    p.overdue ? `逾期 ${p.overdue}` : '',
  ].filter(Boolean);
  return `任务 ${p.total} 个：${parts.join('，')}`;
}

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

const FU_STATUS = { open: '处理中', awaiting: '待接收', closed: '已办结' } as const;

export function followUpLine(f: FollowUpDoc, i: number): string {
  const due = f.due ? `｜期限${f.due}${f.extended ? '（已延期）' : ''}` : '';
  const from = f.owner !== f.department ? `｜${unitName(f.department)}移送` : '';
  return `${i + 1}. ${f.taskNo} 第${f.n}项｜${f.entityName}｜${f.problem}｜${handlingText(f.handling, unitName)}${from}${due}｜${FU_STATUS[f.status]}`;
}

/** "<任务编号> <序号> [其余]". */
function taskAndNo(args: string): { taskNo: string; n: string; rest: string } | undefined {
  const m = /^(\S+)\s+(\d+)\s*(.*)$/.exec(args.trim());
  return m ? { taskNo: m[1], n: m[2], rest: m[3] } : undefined;
}

async function accepted(f: FollowUpDoc, ctx: CommandContext): Promise<Reply[]> {
  for (const u of await ctx.services.users.inDepartment(f.department, ['official', 'leader'])) {
    ctx.notify(u.userId, text(`${unitName(f.owner)}已接收移送的问题：${f.taskNo} 第${f.n}项（${f.entityName}：${f.problem}），由其处理（R14）。`));
  }
  return [text(`已接收 ${f.taskNo} 第${f.n}项（${f.entityName}：${f.problem}），现由${unitName(f.owner)}处理；处理后发送“复查 ${f.taskNo} ${f.n} <日期> <情况>”办结。`)];
}

export const toHandle: Command = {
  names: ['待处置'],
  usage: '待处置 — 本单位待接收的移送和待复查的问题（R14）',
  async run(_args, ctx) {
    const list = await ctx.services.results.toHandle(ctx.caller);
    if (list.length === 0) return [text(`${unitName(ctx.caller.department)}暂无待处置的问题。`)];
    const shown = list.slice(0, Math.max(ctx.pageSize, 20));
    return [text(`${unitName(ctx.caller.department)}待处置（${list.length} 项）：\n${shown.map(followUpLine).join('\n')}\n`
      + '发送“接收移送 <任务编号> <序号>”接收移送；“复查 <任务编号> <序号> <日期> <情况>”复查办结；“复查 <任务编号> <序号> 延期 <新期限> <理由>”延期一次。')];
  },
};

export const acceptTransfer: Command = {
  names: ['接收移送'],
  usage: '接收移送 <任务编号> <序号> — 接收其他部门移送的问题（R14）',
  async run(args, ctx) {
    const a = taskAndNo(args);
    if (!a) return [text('请写明任务编号和序号，例如：接收移送 县消防大队抽查〔2026〕1号 1（发送“待处置”查看）')];
    return accepted(await ctx.services.results.accept(ctx.caller, a.taskNo, a.n), ctx);
  },
};

export const reviewFollowUp: Command = {
  names: ['复查'],
  usage: '复查 <任务编号> <序号> <日期> <情况> — 记录复查并办结；或 复查 <任务编号> <序号> 延期 <新期限> <理由>（仅一次）',
  async run(args, ctx) {
    const a = taskAndNo(args);
    if (!a) return [text('请写明任务编号、序号、复查日期和情况，例如：复查 县财政局抽查〔2026〕1号 1 2026-10-16 已整改到位')];
    const f = await ctx.services.results.review(ctx.caller, a.taskNo, a.n, a.rest);
    if (f.status !== 'closed') return [text(`${f.taskNo} 第${f.n}项的改正期限已延至 ${f.due}（理由：${f.extensionReason}），仅可延期一次。`)];
    const r = await ctx.services.results.view(f.taskNo);
    return [text(`${f.taskNo} 第${f.n}项已复查办结（${f.review?.outcome}）。该任务检查结果：${statusText(r.status)}。`)];
  },
};

export const followUpActions: CardAction[] = [{
  action: 'fu.accept',
  async run(id, ctx) {
    const m = /^(.+)\/(\d+)$/.exec(id);
    if (!m) return { replies: [text('这个按钮已失效，请发送“待处置”查看。')], outcome: '已失效' };
    const f = await ctx.services.results.accept(ctx.caller, m[1], m[2]);
    return { replies: await accepted(f, ctx), outcome: `已接收（${ctx.caller.name}）` };
  },
}];

/** R16: the entity's inspection history from every department, for 查 <代码>; empty when none. */
export async function historyLines(creditCode: string, ctx: CommandContext, limit = 10): Promise<string[]> {
  const h = await ctx.services.results.history(creditCode);
  if (h.length === 0) return [];
  const rows = h.slice(0, limit).map(({ entry: e, openFollowUps }, i) =>
    `${i + 1}. ${e.start === e.end ? e.start : `${e.start}至${e.end}`}｜${e.departments.map(unitName).join('、')}｜${e.taskNo}｜${e.categories.join('、')}${openFollowUps ? `｜待处置 ${openFollowUps} 项` : ''}`);
  return [`检查记录（各部门共享互认，R16，共${h.length}次）：`, ...rows];
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The 检查记录表 as xlsx: entity, window, team (组长 first), every department's items with a column each for 是否检查 / 检查情况 / 处置. */
export async function formWorkbook(f: Awaited<ReturnType<CommandContext['services']['results']['form']>>): Promise<Buffer> {
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

export const resultCommands: Command[] = [inspectionForm, lenientList, riskProposals, enterResult, correctResult, submitResult, showResult, toHandle, acceptTransfer, reviewFollowUp];
