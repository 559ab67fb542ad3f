/**
 * 新建计划 / 修改计划 as a guided conversation: one question at a time (year,
 * pool, joint departments, targets, items, ratio or count, window, and a 专项
 * reason after the R12 deadline), corrections with "改 比例", the predicted
 * number of targets and every rule problem before 提交, then the plan's approvals (R13).
 */
import { z } from 'zod';
import { beijingDate, describeWindows, windowFits, windows } from '../../src/domain/calendar';
import { itemKey, type ItemRecord } from '../../src/domain/item';
import { findUnit, unitName } from '../../src/domain/organisation';
import {
  A_POOL_PLAN_REFUSAL, defaultPlanYear, describePlan, isLatePlan, mayPlanPool, planDeadlineWords, planYearProblem,
  type PlanDraft, type TargetFilter,
} from '../../src/domain/plan';
import { outlookLines } from '../../src/domain/draw';
import { lookup } from '../../src/domain/fields';
import { POOL_ALIASES, POOL_LABELS, POOLS, RISK_CLASSES } from '../../src/domain/pools';
import { sampleSize } from '../../src/domain/sampling';
import { Refusal, renderRefusal } from '../../src/services/context';
import { EditConflict } from '../../src/services/plans';
import { text, type Reply } from '../types';
import { announceChange } from './approvals';
import { planRecognitionLines } from './results';
import { defineFlow, optional, type Answer, type Progress } from './flow';
import { parseFilter, parseRatio, parseWindow, parseYear, splitList, type Parsed } from './parse';
import type { CommandContext } from './types';

type Step = 'year' | 'pool' | 'joint' | 'filter' | 'items' | 'sampling' | 'window' | 'special';
const STEPS: readonly Step[] = ['year', 'pool', 'joint', 'filter', 'items', 'sampling', 'window', 'special'];

const window = z.object({ from: z.string(), to: z.string() });

/** The draft as stored between turns; checked whenever it is read back. */
const DraftSchema = z.object({
  year: optional(z.number().int()),
  pool: optional(z.enum(POOLS)),
  jointDepartments: optional(z.array(z.string())),
  filter: optional(z.object({
    industries: z.array(z.string()),
    townships: z.array(z.string()),
    riskClasses: z.array(z.enum(RISK_CLASSES)),
    sectorTags: z.array(z.string()),
    skipInspectedWithinMonths: optional(z.number().int()),
  })),
  items: optional(z.array(z.string())),
  sampling: optional(z.union([z.object({ ratioPermille: z.number().int() }), z.object({ count: z.number().int() })])),
  window: optional(window),
  special: optional(z.object({ reason: z.string() })),
  /** Editing a returned plan: its number and the version the edit started from. */
  editOf: optional(z.string()),
  editVersion: optional(z.number().int()),
});

export type PlanDraftState = z.infer<typeof DraftSchema>;
type Draft = PlanDraftState;

const FIELD_WORDS: Record<string, Step> = {
  年度: 'year', 年份: 'year', 库: 'pool', 对象库: 'pool', 联合: 'joint', 联合部门: 'joint', 对象: 'filter', 范围: 'filter', 条件: 'filter',
  事项: 'items', 检查事项: 'items', 比例: 'sampling', 户数: 'sampling', 抽取: 'sampling', 时段: 'window', 时间: 'window', 日期: 'window',
  专项: 'special', 专项理由: 'special', 理由: 'special',
};
const FIELD_NAMES = '年度、库、联合部门、对象、事项、比例、时段、专项理由';

const ok = <T>(draft: T): Answer<T> => ({ ok: true, draft });
const bad = (reason: string): Answer<never> => ({ ok: false, reason });

/** Today in Beijing, from the services' clock (tests pass a fixed one). */
const today = (ctx: CommandContext) => beijingDate(ctx.services.clock());

/** The windowed pools (A, B) whose every window in the year has ended by `day` (R10); C has no windows. */
function windowsOver(pool: 'A' | 'B', year: number, day: string, ctx: CommandContext): boolean {
  return windows(pool, year, ctx.services.policy.calendar).every((w) => w.to < day);
}

/** R12: past the year's deadline, a plan is special and needs a reason. */
const needsSpecial = (d: Draft, day: string) => d.year !== undefined && isLatePlan(d.year, day) && !d.special;

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
    case 'special': return `已过${planDeadlineWords(d.year ?? Number(today(ctx).slice(0, 4)))}，本计划须作为专项计划报送（R12）。请说明专项理由，例如：群众投诉集中，开展燃气安全专项检查`;
  }
}

/** The draft as the plan service takes it; only called once every answer is there. */
function draftOf(d: Draft, ctx: CommandContext): PlanDraft {
  if (d.year === undefined || !d.pool || !d.filter || !d.items || !d.sampling || !d.window) throw new Error('plan draft is incomplete');
  return {
    year: d.year, department: ctx.caller.department, pool: d.pool, filter: d.filter, items: d.items, sampling: d.sampling,
    window: d.window, jointDepartments: d.jointDepartments ?? [], ...(d.special ? { special: d.special } : {}),
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
  lines.push(...(await planRecognitionLines(draft, ctx)));
  if (checked.outlook) lines.push(`检查人员（按现有名录预估，R7、R8a）：\n${outlookLines(checked.outlook).join('\n')}`);
  lines.push(checked.problems.length
    ? `请发送“改 <项目>”修改（项目：${FIELD_NAMES}）。`
    : `回复“提交”报送审批（${chainWords(draft.jointDepartments)}，R13）；或“改 <项目>”修改（${FIELD_NAMES}）。`);
  return lines.join('\n');
}

/** The first thing missing is asked; a complete draft shows its summary (also after a correction). */
async function next(d: Draft, ctx: CommandContext): Promise<{ draft: Draft; progress: Progress<Step> }> {
  const ask = (step: Step) => ({ draft: d, progress: { ask: step } });
  if (d.year === undefined) return ask('year');
  if (!d.pool) return ask('pool');
  if (!d.jointDepartments) return ask('joint');
  if (!d.filter) return ask('filter');
  if (!d.items) return ask('items');
  if (!d.sampling) return ask('sampling');
  if (!d.window) return ask('window');
  if (needsSpecial(d, today(ctx))) return ask('special');
  return { draft: d, progress: { summary: true } };
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
    return { ok: true, value: { filter, readAs } };
  } catch (err) {
    // An unknown value is an answer to correct, not the end of the turn.
    if (err instanceof Refusal) return { ok: false, reason: renderRefusal(err) };
    throw err;
  }
}

async function answer(step: Step, input: string, d: Draft, ctx: CommandContext): Promise<Answer<Draft>> {
  const day = today(ctx);
  switch (step) {
    case 'year': {
      // "2026 C类": this year's C plan once the A and B windows are over.
      const withC = /^(.+?)\s*(?:C|C类|C类库|重点监管库)$/i.exec(input.trim());
      const y = parseYear(withC ? withC[1].trim() : input, day);
      if (!y.ok) return y;
      const problem = planYearProblem(y.value, day);
      if (problem) return bad(problem.message);
      const open = (['A', 'B'] as const).filter((p) => !windowsOver(p, y.value, day, ctx));
      if (!withC && open.length === 0) {
        const cal = ctx.services.policy.calendar;
        return bad(`依据规则 R10：${y.value}年A类（${describeWindows('A', y.value, cal)}）和B类（${describeWindows('B', y.value, cal)}）的检查期都已过去，请输入 ${y.value + 1}；C类重点监管库不受安静期限制，如要制定${y.value}年的C类计划，请回复“${y.value} C类”`);
      }
      const kept = d.window && d.window.from.startsWith(String(y.value)) ? d.window : undefined;
      return ok({ ...d, year: y.value, window: kept, ...(withC ? { pool: 'C' as const, items: undefined } : {}) });
    }
    case 'pool': {
      const p = lookup(POOL_ALIASES, input.toUpperCase()) ?? lookup(POOL_ALIASES, input);
      if (!p) return bad('请回复 A、B 或 C');
      if (p !== 'C' && d.year && windowsOver(p, d.year, day, ctx)) {
        return bad(`依据规则 R10：${POOL_LABELS[p]}${d.year}年的检查期（${describeWindows(p, d.year, ctx.services.policy.calendar)}）已过去，请选另一个库，或发送“改 年度”改为 ${d.year + 1} 年`);
      }
      if (!mayPlanPool(ctx.caller, p)) return bad(`${A_POOL_PLAN_REFUSAL}。请回复 B 或 C`);
      // A changed pool may invalidate the chosen items: they are asked again.
      return ok({ ...d, pool: p, items: undefined });
    }
    case 'joint': {
      if (['无', '没有', '否', '不联合', '单独'].includes(input)) {
        if (d.pool === 'A') return bad('依据规则 R2：A类联合监管库须多部门联合检查，请至少填一个联合部门');
        return ok({ ...d, jointDepartments: [], items: undefined });
      }
      const codes: string[] = [];
      for (const name of splitList(input)) {
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
      if (!r.ok) return r;
      return { ok: true, draft: { ...d, filter: r.value.filter }, said: r.value.readAs.length ? [`（${r.value.readAs.join('；')}）`] : [] };
    }
    case 'items': {
      const items = await itemChoices(d, ctx);
      if (items.length === 0) return bad(await prompt('items', d, ctx));
      if (['全部', '所有'].includes(input)) return ok({ ...d, items: items.map(itemKey) });
      const chosen: string[] = [];
      for (const p of splitList(input)) {
        const n = Number(p);
        if (!Number.isInteger(n) || n < 1 || n > items.length) return bad(`“${p.slice(0, 10)}”不是列表中的序号，请回复 1 到 ${items.length} 之间的序号，如“1 3”`);
        chosen.push(itemKey(items[n - 1]));
      }
      if (chosen.length === 0) return bad('请至少选择一个检查事项，回复序号，如“1”');
      return ok({ ...d, items: [...new Set(chosen)] });
    }
    case 'sampling': {
      const s = parseRatio(input);
      return s.ok ? ok({ ...d, sampling: s.value }) : s;
    }
    case 'window': {
      if (d.year === undefined || !d.pool) return bad('请先填写年度和对象库（发送“改 年度”或“改 库”）');
      const w = parseWindow(input, d.year);
      if (!w.ok) return w;
      const cal = ctx.services.policy.calendar;
      if (!windowFits(d.pool, w.value.from, w.value.to, cal)) {
        const first = windows(d.pool, d.year, cal)[0];
        return bad(`依据规则 R10：${POOL_LABELS[d.pool]}${d.year}年检查期为${describeWindows(d.pool, d.year, cal)}，其余为企业安静期；时段须落在其中一个月内，请重新输入，如“${first.from} 至 ${first.to}”`);
      }
      return ok({ ...d, window: w.value });
    }
    case 'special': {
      if (input.length < 4) return bad('请用一句话说明专项理由（至少4个字），例如：群众投诉集中，开展燃气安全专项检查');
      if (input.length > 200) return bad(`专项理由过长（${input.length}字），请控制在200字以内`);
      return ok({ ...d, special: { reason: input } });
    }
  }
}

async function submit(d: Draft, ctx: CommandContext): Promise<Reply[]> {
  const edit = d.editOf && d.editVersion !== undefined ? { planNo: d.editOf, version: d.editVersion } : undefined;
  try {
    const { plan, change, check } = await ctx.services.plans.submit(ctx.caller, draftOf(d, ctx), edit);
    announceChange(change, ctx);
    const who = change.deciders.map((u) => u.name).join('、');
    const dup = check.duplicates.length ? `\n提示：与 ${check.duplicates.map((x) => x.number).join('、')} 可能重复，已提示联席办审核（R13）。` : '';
    return [text(`计划 ${plan.planNo} 已${edit ? '重新' : ''}提交，预计 ${plan.predictedTargets} 户中抽取 ${sampleSize(plan.predictedTargets, plan.sampling)} 户。已送部门领导审批（${who}），之后依次由${chainWords(plan.jointDepartments).split(' → ').slice(1).join('、')}审核（R13）。发送“计划 ${plan.planNo}”可查看进度。${dup}`)];
  } catch (err) {
    // Someone else's edit landed first: this draft is stale, so the conversation ends with the refusal.
    if (err instanceof EditConflict) return [text(renderRefusal(err))];
    throw err;
  }
}

export const planFlow = defineFlow<Step, Draft>({
  name: 'plan',
  label: '新建计划',
  steps: STEPS,
  draft: DraftSchema,
  fields: FIELD_WORDS,
  fieldNames: FIELD_NAMES,
  changeExample: '比例',
  prompt,
  answer,
  next,
  summary,
  submit,
  // The special reason is asked once the year is known.
  mayChange: (step, d) => step !== 'special' || d.year !== undefined,
});
