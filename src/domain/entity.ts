/** Market entities (市场主体) as a list row describes them (R1, R6). */
import { checkCreditCode } from './creditCode';
import { bad, list, ok, oneOf, text, type Parsed } from './fields';
import { findUnit } from './organisation';
import { KIND_ALIASES, RISK_ALIASES, type EntityKind, type RiskClass } from './pools';

/** What a list from the market-entity base database says about one entity. */
export interface EntityRecord {
  creditCode: string;
  name: string;
  kind: EntityKind;
  industry: string;
  township: string;
  address: string;
  riskClass: RiskClass;
  sectorTags: string[];
  departments: string[];
}

/** Column headers: canonical field → accepted spellings (first one is used in templates). */
export const ENTITY_HEADERS: Record<keyof EntityRecord, string[]> = {
  creditCode: ['统一社会信用代码', '信用代码', 'creditCode'],
  name: ['名称', '主体名称', '企业名称', 'name'],
  kind: ['类型', '主体类型', 'kind'],
  industry: ['行业', '所属行业', 'industry'],
  township: ['乡镇', '所属乡镇', 'township'],
  address: ['地址', '住所', '经营场所', 'address'],
  riskClass: ['信用风险分类', '风险等级', '信用风险等级', 'riskClass'],
  sectorTags: ['领域标签', '重点领域', 'sectorTags'],
  departments: ['监管部门', '主管部门', 'departments'],
};

export const ENTITY_REQUIRED: (keyof EntityRecord)[] = ['creditCode', 'name', 'kind', 'riskClass'];

export function parseEntityRow(cells: Partial<Record<keyof EntityRecord, string>>): Parsed<EntityRecord> {
  const code = checkCreditCode(cells.creditCode ?? '');
  if (!code.ok) return bad(code.reason);
  const name = text('名称', cells.name, { required: true, max: 200 });
  if (!name.ok) return name;
  const kind = oneOf('类型', cells.kind, KIND_ALIASES);
  if (!kind.ok) return kind;
  const industry = text('行业', cells.industry, { max: 100 });
  if (!industry.ok) return industry;
  const township = text('乡镇', cells.township, { max: 50 });
  if (!township.ok) return township;
  const address = text('地址', cells.address, { max: 300, lines: 'flatten' });
  if (!address.ok) return address;
  const risk = oneOf('信用风险分类', cells.riskClass, RISK_ALIASES);
  if (!risk.ok) return risk;
  const tagsText = text('领域标签', cells.sectorTags, { lines: 'list' });
  if (!tagsText.ok) return tagsText;
  const deptText = text('监管部门', cells.departments, { lines: 'list' });
  if (!deptText.ok) return deptText;
  const departments: string[] = [];
  for (const d of list(deptText.value)) {
    const unit = findUnit(d);
    if (!unit) return bad(`监管部门“${d}”不是联席会议成员单位（R19），请用成员单位名称，如“县市管局”`);
    departments.push(unit.code);
  }
  return ok({
    creditCode: code.code,
    name: name.value,
    kind: kind.value,
    industry: industry.value,
    township: township.value,
    address: address.value,
    riskClass: risk.value,
    sectorTags: list(tagsText.value),
    departments: [...new Set(departments)],
  });
}
