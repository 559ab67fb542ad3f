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
  /** The registration state when it is not 存续 (absent: the entity is in business); 注销, 吊销, 撤销 close it (R5). */
  registration?: Registration;
}

/** Registration states of a market entity; the last three close it and archive it at the yearly adjustment (R5). */
export const REGISTRATION_STATES = ['存续', '注销', '吊销', '撤销'] as const;
export type Registration = (typeof REGISTRATION_STATES)[number];
export const CLOSED_REGISTRATIONS: readonly Registration[] = ['注销', '吊销', '撤销'];
const REGISTRATION_ALIASES: Record<string, Registration> = {
  存续: '存续', 在业: '存续', 开业: '存续', 正常: '存续', 注销: '注销', 已注销: '注销', 吊销: '吊销', '吊销，未注销': '吊销', 吊销未注销: '吊销', 已吊销: '吊销', 撤销: '撤销', 已撤销: '撤销',
};

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
  registration: ['登记状态', '经营状态', 'registration'],
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
  const registration = oneOf('登记状态', cells.registration, REGISTRATION_ALIASES, { fallback: '存续' });
  if (!registration.ok) return registration;
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
    // 存续 is the default and is not stored, so rows imported before this column keep their digests.
    ...(registration.value === '存续' ? {} : { registration: registration.value }),
  });
}
