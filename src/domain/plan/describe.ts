/** A plan and its target filter in Chinese words, for confirmation, cards and announcements. */
import { itemKey, type ItemRecord } from '../item';
import { unitName } from '../organisation';
import { POOL_LABELS } from '../pools';
import { formatSampling, sampleSize } from '../sampling';
import type { PlanDraft, TargetFilter } from './types';

/** The target filter in words: "行业不限；乡镇陈营镇；风险等级高；领域不限". */
export function describeFilter(f: TargetFilter): string {
  const dim = (label: string, v: readonly string[]) => `${label}${v.length ? v.join('、') : '不限'}`;
  const parts = [dim('行业', f.industries), dim('乡镇', f.townships), dim('风险等级', f.riskClasses), dim('领域', f.sectorTags)];
  if (f.skipInspectedWithinMonths) parts.push(`排除近${f.skipInspectedWithinMonths}个月已检查的主体`);
  return parts.join('；');
}

/**
 * A plan in a few Chinese lines, for confirmation and cards. Item names come
 * from `items` when given, else the keys are shown.
 */
export function describePlan(
  draft: PlanDraft,
  opts: { number?: string; predictedTargets?: number; items?: readonly ItemRecord[] } = {},
): string {
  const names = new Map((opts.items ?? []).map((i) => [itemKey(i), i.name]));
  const title = `${opts.number ? `计划 ${opts.number}：` : ''}${draft.year}年度${draft.special ? '专项' : ''}抽查计划（${POOL_LABELS[draft.pool]}）`;
  const joint = draft.jointDepartments.length ? `；联合：${draft.jointDepartments.map(unitName).join('、')}` : '';
  const n = opts.predictedTargets;
  const predicted = n === undefined ? '' : `（预计 ${n} 户中抽取 ${sampleSize(n, draft.sampling)} 户）`;
  const lines = [
    title,
    `牵头：${unitName(draft.department)}${joint}`,
    `对象：${describeFilter(draft.filter)}`,
    `事项：${draft.items.map((k) => names.get(k) ?? k).join('、') || '（未选）'}`,
    `抽取：${formatSampling(draft.sampling)}${predicted}`,
    `时段：${draft.window.from} 至 ${draft.window.to}`,
  ];
  if (draft.special) lines.push(`专项理由：${draft.special.reason}`);
  return lines.join('\n');
}
