/**
 * Plans in chat: 新建计划 asks one thing at a time and accepts corrections
 * ("改 比例"), shows the predicted number of targets and every rule problem
 * before submission, then sends the plan into its three approvals (R13).
 * 修改计划 edits a returned plan; 我的计划 and 计划 <编号> show status and history.
 */
import { beijingDate, describeWindows, windowFits, windows } from '../../src/domain/calendar';
import { itemKey, type ItemRecord } from '../../src/domain/item';
import { findUnit, JOINT_OFFICE_HOST, unitName } from '../../src/domain/organisation';
import { describePlan, parseRatio, sampleSize, type PlanDraft, type Sampling, type TargetFilter } from '../../src/domain/plan';
import { outlookLines } from '../../src/domain/draw';
import { POOL_ALIASES, POOL_LABELS, RISK_ALIASES, type Pool, type RiskClass } from '../../src/domain/pools';
import { hasAny, Refusal } from '../../src/services/context';
import { EditConflict } from '../../src/services/plans';
import { coverageLines } from '../views/coverage';
import { text, type Reply } from '../types';
import { approvalHistory, announceChange } from './approvals';
import { keyValues } from './args';
import { longList, returnedBecause } from './format';
import { progressText } from './results';
import type { Command, CommandContext, Flow } from './types';

type Step = 'year' | 'pool' | 'joint' | 'filter' | 'items' | 'sampling' | 'window' | 'special' | 'confirm';

interface Draft {
  year?: number;
  pool?: Pool;
  jointDepartments?: string[];
  filter?: TargetFilter;
  items?: string[];
  sampling?: Sampling;
  window?: { from: string; to: string };
  special?: { reason: string };
  /** Once the summary was shown, every answer returns to it. */
  reviewed?: boolean;
  /** Values of the last answer read as other values (行业“餐饮业” → 住宿和餐饮业), said once. */
  readAs?: string[];
  /** Editing a returned plan: its number and the version the edit started from. */
  editOf?: string;
  editVersion?: number;
}

const FIELD_WORDS: Record<string, Step> = {
  年度: 'year', 年份: 'year', 库: 'pool', 对象库: 'pool', 联合: 'joint', 联合部门: 'joint', 对象: 'filter', 范围: 'filter', 条件: 'filter',
  事项: 'items', 检查事项: 'items', 比例: 'sampling', 户数: 'sampling', 抽取: 'sampling', 时段: 'window', 时间: 'window', 日期: 'window',
  专项: 'special', 专项理由: 'special', 理由: 'special',
};

const HINT = '（发送“取消”放弃，不会保存任何内容）';
const list = (s: string) => s.split(/[,，、;；\s]+/).map((x) => x.trim()).filter(Boolean);

/** Today in Beijing, from the services' clock (tests pass a fixed one). */
const today = (ctx: CommandContext) => beijingDate(ctx.services.clock());

/** From 1 October the year to plan for is the next one: this year's A and B windows (R10) are over or nearly so. */
export const defaultPlanYear = (day: string): number => Number(day.slice(0, 4)) + (day.slice(5) >= '10-01' ? 1 : 0);

/** The windowed pools (A, B) whose every window in the year has ended by `day` (R10); C has no windows. */
function windowsOver(pool: 'A' | 'B', year: number, day: string, ctx: CommandContext): boolean {
  return windows(pool, year, ctx.services.policy.calendar).every((w) => w.to < day);
}

/** After 31 March of the plan year, a plan must be special (R12). */
const late = (year: number, day: string) => day > `${year}-03-31`;

async function itemChoices(d: Draft, ctx: CommandContext): Promise<ItemRecord[]> {
  const all = await ctx.services.plans.itemsFor({ department: ctx.caller.department, jointDepartments: d.jointDepartments ?? [] });
  return all
    .filter((i) => i.pools.includes(d.pool ?? 'B') && (d.pool !== 'A' || i.jointListA))
    .sort((a, b) => (a.department === b.department ? a.itemCode.localeCompare(b.itemCode) : a.department === ctx.caller.department ? -1 : 1));
}

async function prompt(step: Step, d: Draft, ctx: CommandContext): Promise<string> {
  switch (step) {
    case 'year': return `请输入计划年度，例如 ${defaultPlanYear(today(ctx))}`;
    case 'pool': return `请选择对象库：A（联合监管库，仅联席办组织，R2）、B（一般监管库）、C（重点监管库）。回复 A、B 或 C`;
    case 'joint': return d.pool === 'A'
      ? '请输入联合检查的部门（A类须联合，R2），多个用“、”分隔，例如：县消防救援大队、县应急管理局'
      : '请输入联合检查的部门，多个用“、”分隔，例如：县消防救援大队；本单位单独检查请回复“无”';
    case 'filter': return '请输入检查对象范围，可组合：行业=餐饮业 乡镇=陈营镇 风险=高,较高 标签=食品 排除近12个月已检查；不限请回复“全部”';
    case 'items': {
      const items = await itemChoices(d, ctx);
      if (items.length === 0) return `本单位${d.jointDepartments?.length ? '及联合部门' : ''}没有适用于${POOL_LABELS[d.pool ?? 'B']}的检查事项（R9：清单之外无检查）。请先导入检查事项清单，或发送“改 库”换一个库`;
      return `请选择检查事项（R9，仅限清单内），回复序号，如“1 3”，或“全部”：\n${items.map((i, n) => `${n + 1}. ${i.name}（${unitName(i.department)}，${i.itemCode}）`).join('\n')}`;
    }
    case 'sampling': return '请输入抽取比例或户数，例如“5%”或“20户”';
    case 'window': {
      const y = d.year ?? Number(today(ctx).slice(0, 4));
      const w = windows(d.pool ?? 'B', y, ctx.services.policy.calendar)[0];
      return `请输入检查时段，${POOL_LABELS[d.pool ?? 'B']}${y}年检查期为${describeWindows(d.pool ?? 'B', y, ctx.services.policy.calendar)}（R10）。例如“${w.from} 至 ${w.to}”，或“${Number(w.from.slice(5, 7))}月”`;
    }
    case 'special': return `已过${d.year}年3月31日，本计划须作为专项计划报送（R12）。请说明专项理由，例如：群众投诉集中，开展燃气安全专项检查`;
    case 'confirm': return summary(d, ctx);
  }
}

function draftOf(d: Draft, ctx: CommandContext): PlanDraft {
  return {
    year: d.year!, department: ctx.caller.department, pool: d.pool!, filter: d.filter!, items: d.items!, sampling: d.sampling!,
    window: d.window!, jointDepartments: d.jointDepartments ?? [], ...(d.special ? { special: d.special } : {}),
  };
}

/** The plan's review chain in words: 部门领导 → 联合部门领导 → 联席办 → 司法局. */
const chainWords = (joint: readonly string[]) =>
  ['部门领导', ...joint.map((j) => `${unitName(j)}领导`), '联席办', '司法局'].join(' → ');

async function summary(d: Draft, ctx: CommandContext): Promise<string> {
  const draft = draftOf(d, ctx);
  const checked = await ctx.services.plans.check(ctx.caller, draft, d.editOf);
  const n = checked.predictedTargets;
  const lines = [describePlan(draft, { number: d.editOf, predictedTargets: n, items: checked.items }), ''];
  lines.push(`预计检查对象：${n} 户，抽取 ${sampleSize(n, draft.sampling)} 户。`);
  if (checked.problems.length) lines.push(`须先修改：\n${checked.problems.map((p, i) => `${i + 1}. ${p.message}`).join('\n')}`);
  if (checked.warnings.length) lines.push(`提示：\n${checked.warnings.map((p) => `· ${p.message}`).join('\n')}`);
  if (checked.outlook) lines.push(`检查人员（按现有名录预估，R7、R8a）：\n${outlookLines(checked.outlook).join('\n')}`);
  lines.push(checked.problems.length
    ? '请发送“改 <项目>”修改（项目：年度、库、联合部门、对象、事项、比例、时段、专项理由）。'
    : `回复“提交”报送审批（${chainWords(draft.jointDepartments)}，R13）；或“改 <项目>”修改（年度、库、联合部门、对象、事项、比例、时段、专项理由）。`);
  return lines.join('\n');
}

/** The step after `step`, given what is known; `reviewed` drafts go back to the summary. */
function nextStep(step: Step, d: Draft, day: string): Step {
  const order: Step[] = ['year', 'pool', 'joint', 'filter', 'items', 'sampling', 'window', 'special', 'confirm'];
  if (d.reviewed && step !== 'pool' && step !== 'joint' && step !== 'year') return needsSpecial(d, day) ? 'special' : 'confirm';
  let i = order.indexOf(step) + 1;
  while (order[i] === 'special' && !needsSpecial(d, day)) i++;
  // A changed pool or joint list may invalidate the chosen items: ask again.
  if (d.reviewed && (step === 'pool' || step === 'joint')) return 'items';
  if (d.reviewed && step === 'year') return needsSpecial(d, day) ? 'special' : 'window';
  // "2026 C类" answered the pool too.
  if (step === 'year' && d.pool === 'C') return 'joint';
  return order[i];
}

const needsSpecial = (d: Draft, day: string) => d.year !== undefined && late(d.year, day) && !d.special;

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (reason: string): Parsed<never> => ({ ok: false, reason });

function parseYear(input: string, day: string): Parsed<number> {
  const y = Number(day.slice(0, 4));
  if (input === '今年') return ok(y);
  if (input === '明年') return ok(y + 1);
  const m = /^(\d{4})年?(?:度)?$/.exec(input);
  if (!m) return bad(`“${input.slice(0, 10)}”不是年度，请输入四位数字，例如 ${y}`);
  return ok(Number(m[1]));
}

function parseFilter(input: string): Parsed<TargetFilter> {
  const f: TargetFilter = { industries: [], townships: [], riskClasses: [], sectorTags: [] };
  if (['全部', '不限', '所有'].includes(input)) return ok(f);
  const { pairs, words } = keyValues(input.replace(/排除近?(\d+)个月(?:内)?已检查(?:的主体)?/, (_m, n: string) => `排除=${n}`));
  for (const [k, v] of pairs) {
    const values = list(v);
    if (['行业'].includes(k)) f.industries = values;
    else if (['乡镇', '镇', '乡'].includes(k)) f.townships = values;
    else if (['标签', '领域', '领域标签'].includes(k)) f.sectorTags = values;
    else if (['风险', '风险等级', '信用风险'].includes(k)) {
      const classes: RiskClass[] = [];
      for (const w of values) {
        const c = RISK_ALIASES[w];
        if (!c) return bad(`风险等级“${w.slice(0, 10)}”无法识别，可选：低、一般、较高、高`);
        classes.push(c);
      }
      f.riskClasses = [...new Set(classes)];
    } else if (k === '排除') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 36) return bad('排除条件请写成“排除近12个月已检查”');
      f.skipInspectedWithinMonths = n;
    } else return bad(`“${k}”不是可用的条件，可用：行业、乡镇、风险、标签、排除近12个月已检查`);
  }
  if (words.length) return bad(`没看懂“${words.join(' ').slice(0, 20)}”，请写成“乡镇=陈营镇 风险=高”这样的“条件=值”，不限请回复“全部”`);
  return ok(f);
}

function parseWindow(input: string, year: number): Parsed<{ from: string; to: string }> {
  const t = input.replace(/[年/.]/g, '-').replace(/月/g, '-').replace(/日/g, '').replace(/\s+/g, ' ').trim();
  const month = /^(\d{1,2})-?$/.exec(t);
  if (month) {
    const m = Number(month[1]);
    if (m < 1 || m > 12) return bad(`“${input}”不是有效月份，例如“6月”`);
    const mm = String(m).padStart(2, '0');
    return ok({ from: `${year}-${mm}-01`, to: `${year}-${mm}-${new Date(Date.UTC(year, m, 0)).getUTCDate()}` });
  }
  const days = [...t.matchAll(/(?:(\d{4})-)?(\d{1,2})-(\d{1,2})/g)].map((m) => `${m[1] ?? year}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`);
  if (days.length !== 2) return bad(`没看懂“${input.slice(0, 20)}”，请写成“${year}-06-01 至 ${year}-06-30”或“6月”`);
  for (const d of days) {
    const dt = new Date(`${d}T00:00:00Z`);
    if (Number.isNaN(dt.getTime()) || dt.toISOString().slice(0, 10) !== d) return bad(`日期“${d}”不存在，请核对`);
  }
  if (days[0] > days[1]) return bad(`开始日期（${days[0]}）晚于结束日期（${days[1]}），请更正`);
  return ok({ from: days[0], to: days[1] });
}

/** The filter's values as they exist in the registry: a unique prefix or contained word is read as the value it names (取值). */
async function resolveFilter(f: TargetFilter, ctx: CommandContext): Promise<Parsed<{ filter: TargetFilter; readAs: string[] }>> {
  const readAs: string[] = [];
  const resolved = async (field: 'industry' | 'township' | 'sectorTags', values: string[]) => {
    const out: string[] = [];
    for (const v of values) {
      const r = await ctx.services.registry.resolve(ctx.caller, field, v);
      if (r.readAs) readAs.push(r.readAs);
      out.push(r.value);
    }
    return [...new Set(out)];
  };
  try {
    const filter = { ...f, industries: await resolved('industry', f.industries), townships: await resolved('township', f.townships), sectorTags: await resolved('sectorTags', f.sectorTags) };
    return ok({ filter, readAs });
  } catch (err) {
    if (err instanceof Refusal) return bad(err.message);
    throw err;
  }
}

async function answerStep(step: Step, input: string, d: Draft, ctx: CommandContext): Promise<Parsed<Draft>> {
  const day = today(ctx);
  switch (step) {
    case 'year': {
      // "2026 C类": this year's C plan once the A and B windows are over.
      const withC = /^(.+?)\s*(?:C|C类|C类库|重点监管库)$/i.exec(input.trim());
      const y = parseYear(withC ? withC[1].trim() : input, day);
      if (!y.ok) return y;
      const now = Number(day.slice(0, 4));
      if (y.value < now) return bad(`依据规则 R12：不能为已过去的年度制定计划，请输入 ${now} 或 ${now + 1}`);
      if (y.value > now + 1) return bad(`只能制定今年或明年的计划，请输入 ${now} 或 ${now + 1}`);
      const open = (['A', 'B'] as const).filter((p) => !windowsOver(p, y.value, day, ctx));
      if (!withC && open.length === 0) {
        const cal = ctx.services.policy.calendar;
        return bad(`依据规则 R10：${y.value}年A类（${describeWindows('A', y.value, cal)}）和B类（${describeWindows('B', y.value, cal)}）的检查期都已过去，请输入 ${y.value + 1}；C类重点监管库不受安静期限制，如要制定${y.value}年的C类计划，请回复“${y.value} C类”`);
      }
      const window = d.window && d.window.from.startsWith(String(y.value)) ? d.window : undefined;
      return ok({ ...d, year: y.value, window, ...(withC ? { pool: 'C' as const, items: undefined } : {}) });
    }
    case 'pool': {
      const p = POOL_ALIASES[input.toUpperCase()] ?? POOL_ALIASES[input];
      if (!p) return bad('请回复 A、B 或 C');
      if (p !== 'C' && d.year && windowsOver(p, d.year, day, ctx)) {
        return bad(`依据规则 R10：${POOL_LABELS[p]}${d.year}年的检查期（${describeWindows(p, d.year, ctx.services.policy.calendar)}）已过去，请选另一个库，或发送“改 年度”改为 ${d.year + 1} 年`);
      }
      if (p === 'A' && !(hasAny(ctx.caller, ['office']) && ctx.caller.department === JOINT_OFFICE_HOST)) {
        return bad('依据规则 R2：A类联合监管库的抽查由联席办统一组织，本单位不能制定。请回复 B 或 C');
      }
      return ok({ ...d, pool: p, items: undefined });
    }
    case 'joint': {
      if (['无', '没有', '否', '不联合', '单独'].includes(input)) {
        if (d.pool === 'A') return bad('依据规则 R2：A类联合监管库须多部门联合检查，请至少填一个联合部门');
        return ok({ ...d, jointDepartments: [], items: undefined });
      }
      const codes: string[] = [];
      for (const name of list(input)) {
        const u = findUnit(name);
        if (!u) return bad(`“${name.slice(0, 20)}”不是联席会议成员单位（R19），请用单位名称，如“县消防救援大队”`);
        if (u.code === ctx.caller.department) continue;
        codes.push(u.code);
      }
      if (codes.length === 0 && d.pool === 'A') return bad('依据规则 R2：A类联合监管库须多部门联合检查，请填本单位以外的部门');
      return ok({ ...d, jointDepartments: [...new Set(codes)], items: undefined });
    }
    case 'filter': {
      const f = parseFilter(input);
      if (!f.ok) return f;
      const r = await resolveFilter(f.value, ctx);
      return r.ok ? ok({ ...d, filter: r.value.filter, readAs: r.value.readAs }) : r;
    }
    case 'items': {
      const items = await itemChoices(d, ctx);
      if (items.length === 0) return bad(await prompt('items', d, ctx));
      if (['全部', '所有'].includes(input)) return ok({ ...d, items: items.map(itemKey) });
      const picks = list(input);
      const chosen: string[] = [];
      for (const p of picks) {
        const n = Number(p);
        if (!Number.isInteger(n) || n < 1 || n > items.length) return bad(`“${p.slice(0, 10)}”不是列表中的序号，请回复 1 到 ${items.length} 之间的序号，如“1 3”`);
        chosen.push(itemKey(items[n - 1]));
      }
      if (chosen.length === 0) return bad('请至少选择一个检查事项，回复序号，如“1”');
      return ok({ ...d, items: [...new Set(chosen)] });
    }
    case 'sampling': {
      const s = parseRatio(input);
      return s.ok ? ok({ ...d, sampling: s.value }) : bad(s.reason);
    }
    case 'window': {
      const w = parseWindow(input, d.year!);
      if (!w.ok) return w;
      const cal = ctx.services.policy.calendar;
      if (!windowFits(d.pool!, w.value.from, w.value.to, cal)) {
        return bad(`依据规则 R10：${POOL_LABELS[d.pool!]}${d.year}年检查期为${describeWindows(d.pool!, d.year!, cal)}，其余为企业安静期；时段须落在其中一个月内，请重新输入，如“${windows(d.pool!, d.year!, cal)[0].from} 至 ${windows(d.pool!, d.year!, cal)[0].to}”`);
      }
      return ok({ ...d, window: w.value });
    }
    case 'special': {
      if (input.length < 4) return bad('请用一句话说明专项理由（至少4个字），例如：群众投诉集中，开展燃气安全专项检查');
      if (input.length > 200) return bad(`专项理由过长（${input.length}字），请控制在200字以内`);
      return ok({ ...d, special: { reason: input } });
    }
    case 'confirm': return bad('请回复“提交”，或“改 <项目>”');
  }
}

async function submit(d: Draft, ctx: CommandContext): Promise<Reply[]> {
  const edit = d.editOf ? { planNo: d.editOf, version: d.editVersion! } : undefined;
  const { plan, change, check } = await ctx.services.plans.submit(ctx.caller, draftOf(d, ctx), edit);
  announceChange(change, ctx);
  const who = change.deciders.map((u) => u.name).join('、');
  const dup = check.duplicates.length ? `\n提示：与 ${check.duplicates.map((x) => x.number).join('、')} 可能重复，已提示联席办审核（R13）。` : '';
  return [text(`计划 ${plan.planNo} 已${edit ? '重新' : ''}提交，预计 ${plan.predictedTargets} 户中抽取 ${sampleSize(plan.predictedTargets, plan.sampling)} 户。已送部门领导审批（${who}），之后依次由${chainWords(plan.jointDepartments).split(' → ').slice(1).join('、')}审核（R13）。发送“计划 ${plan.planNo}”可查看进度。${dup}`)];
}

export const planFlow: Flow = {
  name: 'plan',
  label: '新建计划',
  async answer(input, state, ctx) {
    const d = state.data as Draft;
    const step = state.step as Step;
    if (step === 'confirm' && ['提交', '确认', '确定'].includes(input)) {
      try {
        return { replies: await submit(d, ctx) };
      } catch (err) {
        // Someone else's edit landed first: this draft is stale, so the conversation ends.
        if (err instanceof EditConflict) return { replies: [text(err.message)] };
        throw err;
      }
    }
    const change = /^(?:改|修改|重填)\s*(.+)$/.exec(input);
    if (change) {
      const target = FIELD_WORDS[change[1].trim()];
      if (!target || (target === 'special' && !d.year)) return { replies: [text('可修改的项目：年度、库、联合部门、对象、事项、比例、时段、专项理由。例如“改 比例”')], next: state };
      return { replies: [text(`${await prompt(target, d, ctx)}${HINT}`)], next: { step: target, data: d as Record<string, unknown> } };
    }
    const r = await answerStep(step, input, d, ctx);
    if (!r.ok) return { replies: [text(`${r.reason}${HINT}`)], next: state };
    const { readAs, ...nextData } = r.value;
    const next = nextStep(step, nextData, today(ctx));
    if (next === 'confirm') nextData.reviewed = true;
    const said = readAs?.length ? `（${readAs.join('；')}）\n` : '';
    return { replies: [text(`${said}${await prompt(next, nextData, ctx)}`)], next: { step: next, data: nextData as Record<string, unknown> } };
  },
};

export const newPlan: Command = {
  names: ['新建计划', '制定计划', '新增计划'],
  usage: '新建计划 — 逐项填写年度抽查计划，提交部门领导、联席办、司法局审批',
  roles: ['official', 'leader', 'office'],
  async run(_args, ctx) {
    if (!hasAny(ctx.caller, ['official', 'leader', 'office'])) return [text('只有成员单位经办人、部门领导或联席办可以制定抽查计划。')];
    ctx.begin('plan', { step: 'year', data: {} });
    return [text(`开始新建${unitName(ctx.caller.department)}的抽查计划，逐项填写，随时可发送“改 <项目>”修改、“取消”放弃。\n${await prompt('year', {}, ctx)}`)];
  },
};

export const editPlan: Command = {
  names: ['修改计划'],
  usage: '修改计划 <编号> — 修改被退回的计划后重新提交',
  roles: ['official', 'leader', 'office'],
  async run(args, ctx) {
    if (!args) return [text('请写明计划编号，例如：修改计划 JH2026-0001')];
    const { plan, approval } = await ctx.services.plans.view(args);
    if (plan.department !== ctx.caller.department) return [text(`计划 ${plan.planNo} 属于${unitName(plan.department)}，只能由该单位修改。`)];
    if (approval && approval.status !== 'rejected') return [text(`计划 ${plan.planNo} ${approval.status === 'approved' ? '已审批通过' : '正在审批中'}，不能修改；只有被退回的计划可以修改后重新提交。`)];
    const d: Draft = {
      year: plan.year, pool: plan.pool, jointDepartments: plan.jointDepartments, filter: plan.filter, items: plan.items, sampling: plan.sampling,
      window: plan.window, special: plan.special, reviewed: true, editOf: plan.planNo, editVersion: plan.version,
    };
    ctx.begin('plan', { step: 'confirm', data: d as Record<string, unknown> });
    const why = returnedBecause(approval);
    return [text(`修改计划 ${plan.planNo}：\n${why ? `${why}\n` : ''}${await summary(d, ctx)}`)];
  },
};

const STATUS_WORDS = { pending: '审批中', approved: '已通过', rejected: '已退回' } as const;

export const myPlans: Command = {
  names: ['我的计划', '本单位计划'],
  usage: '我的计划 [年度] — 本单位（牵头或联合）的抽查计划及审批状态（不写年度：今年；10月1日起为明年）',
  async run(args, ctx) {
    const day = beijingDate(ctx.services.clock());
    const given = /^\d{4}$/.test(args.trim());
    // From 1 October, next year's plans are the ones being made.
    const year = given ? Number(args.trim()) : defaultPlanYear(day);
    const other = !given && year !== Number(day.slice(0, 4)) ? `发送“我的计划 ${day.slice(0, 4)}”查看今年的。` : '';
    const views = await ctx.services.plans.mine(ctx.caller, year);
    const progresses = await Promise.all(views.map((v) => (v.approval?.status === 'approved' ? ctx.services.results.planProgress(v.plan.planNo) : undefined)));
    if (views.length === 0) return [text(`${unitName(ctx.caller.department)}${year}年还没有抽查计划。发送“新建计划”开始制定。${other}`)];
    // An approved plan's state goes on with its draw: 待抽取, 待开奖, 已抽取.
    const drawn = new Map(await Promise.all(views.filter((v) => v.approval?.status === 'approved').map(async ({ plan }) => {
      const live = (await ctx.services.draws.history(plan.planNo)).draws.map((x) => x.draw).filter((d) => d.status === 'done' || d.status === 'committed');
      const done = live.find((d) => d.status === 'done');
      const word = done ? `已抽取（${done.drawNo}）` : live.length ? `已公布抽取承诺，待开奖（${live[0].drawNo}）` : '已通过，待抽取';
      return [plan.planNo, word] as const;
    })));
    const lines = views.map(({ plan, approval }, i) => {
      const state = approval ? (approval.status === 'pending' ? `${STATUS_WORDS.pending}（第${approval.current + 1}/${approval.steps.length}步：${approval.steps[approval.current].label}）` : drawn.get(plan.planNo) ?? STATUS_WORDS[approval.status]) : '-';
      const lead = plan.department === ctx.caller.department ? '' : `（${unitName(plan.department)}牵头）`;
      const progress = approval?.status === 'approved' ? progresses[i] : undefined;
      return `${i + 1}. ${plan.planNo}${lead}｜${plan.pool}类｜${plan.window.from}至${plan.window.to}｜${state}${progress ? `｜${progressText(progress)}` : ''}`;
    });
    return longList(ctx, {
      title: `${unitName(ctx.caller.department)}${year}年抽查计划`, head: `${unitName(ctx.caller.department)}${year}年抽查计划：`, lines,
      columns: ['计划编号', '库', '检查期', '状态'], foot: `发送“计划 <编号>”查看详情和审批记录。${other}`,
    });
  },
};

export const showPlan: Command = {
  names: ['计划'],
  usage: '计划 <编号> — 查看计划内容、状态和审批记录',
  async run(args, ctx) {
    if (!args) return [text('请写明计划编号，例如：计划 JH2026-0001。发送“我的计划”查看本单位计划。')];
    const { plan, approval, items } = await ctx.services.plans.view(args);
    const lines = [describePlan(plan, { number: plan.planNo, predictedTargets: plan.predictedTargets, items })];
    if (plan.duplicates.length) lines.push(`提示：可能与 ${plan.duplicates.join('、')} 重复（R13）`);
    if (approval) lines.push(...approvalHistory(approval));
    if (approval?.status === 'approved') lines.push(`进度：${progressText(await ctx.services.results.planProgress(plan.planNo))}`);
    lines.push(`提交：${plan.createdBy}，最后修改：${plan.updatedBy}`);
    return [text(lines.join('\n'))];
  },
};


export const coverage: Command = {
  names: ['覆盖情况', '事项覆盖'],
  usage: '覆盖情况 [年度] — 各检查事项是否已有本年度计划（R12）；联席办、司法局看全县',
  async run(args, ctx) {
    const year = /^\d{4}$/.test(args.trim()) ? Number(args.trim()) : Number(today(ctx).slice(0, 4));
    const rows = await ctx.services.coverage.table(year);
    const countyWide = hasAny(ctx.caller, ['office', 'justice', 'admin']);
    const shown = countyWide ? rows : rows.filter((r) => r.department === ctx.caller.department);
    if (shown.length === 0) return [text(countyWide ? '尚未导入任何检查事项清单（R9）。' : `${unitName(ctx.caller.department)}尚未导入检查事项清单（R9）。`)];
    const total = shown.reduce((n, r) => n + r.total, 0);
    const covered = shown.reduce((n, r) => n + r.covered, 0);
    const head = `依据规则 R12：每个检查事项每年至少制定一个抽查计划。${year}年${countyWide ? '全县' : ''}已覆盖 ${covered}/${total} 项。`;
    return longList(ctx, { title: `${year}年检查事项覆盖情况`, head, lines: shown.map((r) => coverageLines(r, year)), columns: ['部门及未覆盖事项'] });
  },
};

export const planCommands: Command[] = [newPlan, editPlan, myPlans, showPlan, coverage];
