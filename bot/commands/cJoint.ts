/**
 * Joint arrangements for overlapping C entities in chat (R4, R20): `C类联合` lists the C
 * entities two or more departments supervise; `C类联合 <代码>` proposes the arrangement (the
 * lead by the documented rule) or shows it. Each department's leader confirms on the card of
 * request LH-<代码> (or types 同意/退回 LH-<代码>); a department that disagrees sends it to
 * 联席办 (request LH-<代码>-CD, decided the same way). `查 <代码>` shows it too.
 */
import { CJOINT_STATUS_LABELS, confirmationNo, isOpen, rulingNo, type CJointArrangement } from '../../src/domain/cJoint';
import { normaliseCreditCode } from '../../src/domain/creditCode';
import { unitName } from '../../src/domain/organisation';
import type { Services } from '../../src/services';
import { text } from '../types';
import { announceChange } from './approvals';
import { day, longList } from './format';
import type { Command } from './types';

/** The arrangement in a few lines (also under `查 <代码>`). */
export function arrangementLines(a: CJointArrangement): string[] {
  const lines = [
    `C类联合检查安排（R4）：${CJOINT_STATUS_LABELS[a.status]}`,
    `  牵头：${unitName(a.lead)}；参加：${a.participants.map(unitName).join('、')}`,
    `  依据：${a.basisNote}`,
    `  ${a.proposedByName}（${unitName(a.proposedDepartment)}）${day(a.proposedAt)}提出${a.round > 1 ? `（第${a.round}次）` : ''}`,
  ];
  if (a.disagreement) lines.push(`  不同意见：${unitName(a.disagreement.department)} ${a.disagreement.byName}${a.disagreement.comment ? `：${a.disagreement.comment}` : ''}`);
  if (a.decidedBy && (a.status === 'decided' || a.status === 'dropped')) lines.push(`  联席办裁定：${a.status === 'decided' ? `由${unitName(a.lead)}牵头联合检查` : '不予采纳'}（${a.decidedByName}，${day(a.decidedAt)}）`);
  if (a.status === 'confirming') lines.push(`  各部门领导在卡片上确认，或发送“同意 ${confirmationNo(a.creditCode)}”；不同意发送“退回 ${confirmationNo(a.creditCode)} <理由>”，由联席办裁定`);
  if (a.status === 'disputed') lines.push(`  联席办在卡片上裁定，或发送“同意 ${rulingNo(a.creditCode)}”（维持；加“牵头=<部门>”改定牵头部门）/“退回 ${rulingNo(a.creditCode)} <理由>”（不予采纳）`);
  if (a.status === 'dropped') lines.push(`  可发送“C类联合 ${a.creditCode}”重新提出`);
  return lines;
}

/** The lines `查 <代码>` adds for an entity with an arrangement (none without). */
export async function arrangementOf(services: Services, creditCode: string): Promise<string[]> {
  const a = await services.cJoint.get(creditCode);
  return a ? arrangementLines(a) : [];
}

const USAGE = 'C类联合 [统一社会信用代码]';

export const cJointCommand: Command = {
  names: ['C类联合', '联合安排'],
  usage: `${USAGE} — 由两个及以上部门监管的C类主体：列出及其联合检查安排；带代码则提出安排（牵头部门按规则建议，各部门领导确认，意见不一致由联席办裁定，R4）`,
  async run(args, ctx) {
    const typed = args.trim();
    if (!typed) {
      const rows = await ctx.services.cJoint.overlaps(ctx.caller);
      if (rows.length === 0) return [text('目前没有由两个及以上部门监管的C类主体，无需联合检查安排（R4）。')];
      const lines = rows.map((r, i) => `${i + 1}. ${r.name}（${r.creditCode}）｜${r.departments.map(unitName).join('、')}｜${r.arrangement
        ? `${CJOINT_STATUS_LABELS[r.arrangement.status]}，${unitName(r.arrangement.lead)}牵头` : `未安排：发送“C类联合 ${r.creditCode}”提出`}`);
      return longList(ctx, {
        title: '多部门监管的C类主体', head: `由两个及以上部门监管的C类主体 ${rows.length} 户（R4：商定牵头和参加部门，联合检查）：`,
        lines, columns: ['主体', '监管部门', '联合检查安排'],
      });
    }
    const code = normaliseCreditCode(typed);
    const existing = await ctx.services.cJoint.get(code);
    if (existing && existing.status !== 'dropped') {
      return [text([`${existing.entityName}（${existing.creditCode}）`, ...arrangementLines(existing)].join('\n'))];
    }
    const { arrangement: a, change } = await ctx.services.cJoint.propose(ctx.caller, code);
    announceChange(change, ctx);
    const waiting = isOpen(a) ? `已送各部门领导依次确认（第一步：${unitName(a.lead)}部门领导，${change.deciders.length}人），全部确认后生效；有部门不同意时由联席办裁定。` : '';
    return [text([
      `已提出“${a.entityName}”的C类联合检查安排（${confirmationNo(a.creditCode)}）：${unitName(a.lead)}牵头，${a.participants.map(unitName).join('、')}参加。`,
      `牵头依据：${a.basisNote}。`,
      waiting,
    ].filter(Boolean).join('\n'))];
  },
};
