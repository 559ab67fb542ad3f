/** Short Chinese renderings of registry records for chat. */
import dayjs from 'dayjs';
import { unitName } from '../../src/domain/organisation';
import { INSPECTOR_KIND_LABELS } from '../../src/domain/inspector';
import { POOL_LABELS } from '../../src/domain/pools';
import type { EntityDoc } from '../../store/repos/entities';
import type { InspectorDoc, ItemDoc } from '../../store/repos/directory';
import type { ApprovalDoc } from '../../store/repos/approvals';

export const day = (d: Date | undefined): string => (d ? dayjs(d).format('YYYY-MM-DD') : '-');

export function entityLine(e: EntityDoc, i: number): string {
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
