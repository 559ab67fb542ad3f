/**
 * Inspection results in chat (R15: 谁检查、谁录入): 录入结果 <任务编号> is a guided
 * conversation — the lead department gives the visit's dates and 核查方式, every
 * department answers its own items one by one, the lead picks the overall result
 * categories; nothing is written before 提交. A joint task's form is submitted by
 * the lead department's 组长 once every part is in (提交结果); the department
 * leader approves or returns it through the approval engine. 更正结果 corrects an
 * approved result with a reason, keeping the earlier version (R20).
 *
 * Evidence (images, files) attaches to the result's parts (`ResultPart.evidence`): a picture
 * or file sent in the conversation is fetched from WeCom or DingTalk, a local path in the shell.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { findUnit, unitName } from '../../src/domain/organisation';
import { checkConsistency, HANDLING_HELP, MAX_EVIDENCE_BYTES, METHODS, parseCategories, parseFinding, parseHandling, parseMethods, type ItemFinding } from '../../src/domain/result';
import type { FlowState } from '../../src/services/conversations';
import { Refusal } from '../../src/services/context';
import { FILING_ITEM, FILING_ITEM_NAME, type SaveOutcome } from '../../src/services/results';
import type { ResultPart } from '../../src/domain/records/result';
import { MediaTooLarge } from '../channels/contracts';
import { text, type Reply } from '../types';
import { announceChange } from './approvals';
import { findingText } from './resultText';
import type { Command, CommandContext, Flow } from './types';

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
  /** The task had no result at the start (PartDraft.fresh). */
  fresh?: boolean;
}

type Turn = { replies: Reply[]; next?: FlowState };

const FLOW = 'result';
const HINT = '（发送“改 <项目>”修改，“取消”放弃，提交前不会保存任何内容）';
const state = (step: Step, d: Draft): FlowState => ({ step, data: d as unknown as Record<string, unknown> });

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
  lines.push(`回复“提交”保存（可先直接发送现场照片或文件作为证据，终端中用“证据 <文件路径>”）；或${edits}修改；“取消”放弃。`);
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

/** Adds a stored evidence file to the draft and says so; the conversation stays at its step. */
function withEvidence(st: FlowState, e: { name: string; sha256: string; bytes: number }): Turn {
  const d = st.data as unknown as Draft;
  const had = d.evidence?.find((x) => x.sha256 === e.sha256);
  if (had) return { replies: [text(`该文件已作为证据“${had.name}”收到，无需重复发送。${HINT}`)], next: st };
  const next = { ...d, evidence: [...(d.evidence ?? []), e] };
  return {
    replies: [text(`已收到证据“${e.name}”（${Math.ceil(e.bytes / 1024)}KB，SHA-256 ${e.sha256.slice(0, 12)}…），提交后随检查结果保存。${HINT}`)],
    next: { step: st.step, data: next as unknown as Record<string, unknown> },
  };
}

/**
 * A picture or file sent in the conversation: fetched from the platform (WeCom media/get by
 * MediaId, DingTalk robot file download by downloadCode), never past the size limit, then
 * checked and stored by content like a local file.
 */
async function evidenceFromPlatform(m: { kind: 'image' | 'file'; ref?: string; name?: string }, st: FlowState, ctx: CommandContext) {
  const what = m.kind === 'image' ? '图片' : '文件';
  if (!m.ref || !ctx.fetchMedia) throw new Refusal(`这条${what}无法从平台取得，未保存；请重新发送，或在终端中用“证据 <文件路径>”附上`);
  let fetched;
  try {
    fetched = await ctx.fetchMedia({ ref: m.ref, name: m.name }, MAX_EVIDENCE_BYTES);
  } catch (err) {
    if (err instanceof MediaTooLarge) throw new Refusal(`该${what}超过${MAX_EVIDENCE_BYTES / 1048576}MB的上限，未保存；请压缩或重新拍照后再发送`);
    throw new Refusal(`暂时无法从${ctx.caller.channel === 'wecom' ? '企业微信' : '钉钉'}取得该${what}，未保存；请稍后重新发送`);
  }
  const d = st.data as unknown as Draft;
  const ext = path.extname(fetched.name).slice(0, 6);
  const name = m.name || (m.kind === 'image' ? `现场照片${(d.evidence?.length ?? 0) + 1}${ext || '.jpg'}` : fetched.name);
  return ctx.services.results.addEvidence(name, fetched.data);
}

const SUBMIT_WORDS = ['提交', '确认', '确定'];

export const resultFlow: Flow = {
  name: FLOW,
  label: '录入结果',
  // Every answer but 提交 and a local evidence file only moves the draft on.
  pure: (input, st) => !(st.step === 'confirm' && SUBMIT_WORDS.includes(input)) && !/^(?:证据|附件)\s/.test(input),
  async attachment(m, st, ctx) {
    return withEvidence(st, await evidenceFromPlatform(m, st, ctx));
  },
  async answer(input, st, ctx) {
    const d = { ...(st.data as unknown as Draft) };
    const step = st.step as Step;
    if (step === 'confirm' && SUBMIT_WORDS.includes(input)) {
      const form = d.lead ? { start: d.start!, end: d.end!, methods: d.methods!, categories: d.categories! } : undefined;
      const o = await ctx.services.results.save(ctx.caller, d.taskNo, { findings: d.findings as ItemFinding[], form, evidence: d.evidence, fresh: d.fresh === true }, d.correction);
      return { replies: saved(o, d, ctx) };
    }
    const file = /^(?:证据|附件)\s+(.+)$/.exec(input);
    if (file) return withEvidence(st, await evidenceFromPath(file[1].trim(), ctx));
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
  const names = await svc.itemNames(s.items);
  const part: ResultPart | undefined = s.result?.parts[s.department];
  const form = s.lead ? s.result?.form : undefined;
  const others = svc.otherFindings(s);
  const d: Draft = {
    taskNo: s.task.taskNo, creditCode: s.task.creditCode, entity: s.task.entityName || s.task.creditCode, department: s.department, lead: s.lead, window: s.task.window,
    keys: s.items, names: s.items.map((k) => names.get(k) ?? (k.endsWith(`:${FILING_ITEM}`) ? FILING_ITEM_NAME : k)),
    findings: s.items.map((k) => part?.findings.find((f) => f.key === k) ?? null),
    others, othersMissing: s.task.departments.some((x) => x !== s.department && !s.result?.parts[x]),
    start: form?.start, end: form?.end, methods: form?.methods, categories: form?.categories, correction: s.correction,
    ...(s.result ? {} : { fresh: true }),
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
