/** The inspection item list (检查事项清单), R9: nothing is inspected that is not listed. */
import { bad, date, list, lookup, ok, short, text, yesNo, type Parsed } from './fields';
import { findUnit } from './organisation';
import { POOL_ALIASES, type Pool } from './pools';

export interface ItemRecord {
  itemCode: string;
  department: string;
  name: string;
  legalBasis: string;
  powerListCode: string;
  pools: Pool[];
  jointListA: boolean;
  jointListFiledOn?: string;
  specialty: string;
}

export const ITEM_HEADERS: Record<keyof ItemRecord, string[]> = {
  itemCode: ['事项编码', '检查事项编码', 'itemCode'],
  department: ['部门', '实施部门', 'department'],
  name: ['事项名称', '检查事项', 'name'],
  legalBasis: ['检查依据', '法律依据', 'legalBasis'],
  powerListCode: ['权力清单编码', '行政权力编码', 'powerListCode'],
  pools: ['适用库', '适用对象库', 'pools'],
  jointListA: ['A类联合清单', '联合检查事项', 'jointListA'],
  jointListFiledOn: ['备案日期', '联合清单备案日期', 'jointListFiledOn'],
  specialty: ['所需专长', '专业要求', 'specialty'],
};

export const ITEM_REQUIRED: (keyof ItemRecord)[] = ['itemCode', 'department', 'name', 'legalBasis', 'powerListCode'];

/** Items are keyed by department and item code. */
export const itemKey = (i: Pick<ItemRecord, 'department' | 'itemCode'>): string => `${i.department}:${i.itemCode}`;

export function parseItemRow(cells: Partial<Record<keyof ItemRecord, string>>): Parsed<ItemRecord> {
  const code = text('事项编码', cells.itemCode, { required: true, max: 60 });
  if (!code.ok) return code;
  if (!/^[0-9A-Za-z_-]+$/.test(code.value)) return bad(`事项编码“${code.value}”只能由字母、数字、-、_组成`);
  const deptText = text('部门', cells.department, { required: true, max: 50 });
  if (!deptText.ok) return deptText;
  const unit = findUnit(deptText.value);
  if (!unit) return bad(`部门“${deptText.value}”不是联席会议成员单位（R19），请用成员单位名称，如“县市管局”`);
  const name = text('事项名称', cells.name, { required: true, max: 200 });
  if (!name.ok) return name;
  const basis = text('检查依据', cells.legalBasis, { required: true, lines: 'flatten' });
  if (!basis.ok) return basis;
  const power = text('权力清单编码', cells.powerListCode, { required: true, max: 60 });
  if (!power.ok) return bad(`${power.reason}（R9：每个检查事项须对应行政权力清单）`);
  const poolText = text('适用库', cells.pools, { max: 50, lines: 'list' });
  if (!poolText.ok) return poolText;
  const pools: Pool[] = [];
  for (const part of list(poolText.value)) {
    // "BC" (or "bc") means B and C.
    for (const p of /^[ABC]{2,3}$/i.test(part) ? [...part.toUpperCase()] : [part]) {
      const pool = lookup(POOL_ALIASES, p.toUpperCase()) ?? lookup(POOL_ALIASES, p);
      if (!pool) return bad(`适用库“${short(p)}”无法识别，请填A、B、C中的一个或几个，如“B、C”`);
      pools.push(pool);
    }
  }
  const joint = yesNo('A类联合清单', cells.jointListA, false);
  if (!joint.ok) return joint;
  const filed = date('备案日期', cells.jointListFiledOn);
  if (!filed.ok) return filed;
  const finalPools = pools.length ? [...new Set(pools)].sort() : (['B', 'C'] as Pool[]);
  if (joint.value && !finalPools.includes('A')) return bad('列入A类联合清单的事项，适用库须包含A（R9）');
  const specialty = text('所需专长', cells.specialty, { max: 50 });
  if (!specialty.ok) return specialty;
  return ok({
    itemCode: code.value,
    department: unit.code,
    name: name.value,
    legalBasis: basis.value,
    powerListCode: power.value,
    pools: finalPools,
    jointListA: joint.value,
    jointListFiledOn: filed.value,
    specialty: specialty.value,
  });
}
