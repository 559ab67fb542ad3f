/** The inspector directory (执法检查人员名录库), R7, R8, R8a. */
import { checkCreditCode } from './creditCode';
import { bad, date, list, ok, oneOf, text, yesNo, type Parsed } from './fields';
import { findUnit } from './organisation';
import { aliasTable } from './pools';

export const INSPECTOR_KINDS = ['civil_servant', 'qualified_staff', 'daily_supervision', 'expert'] as const;
export type InspectorKind = (typeof INSPECTOR_KINDS)[number];

export const INSPECTOR_KIND_LABELS: Record<InspectorKind, string> = {
  civil_servant: '行政执法类公务员',
  qualified_staff: '具有执法资格的工作人员',
  daily_supervision: '日常监管人员',
  expert: '专家',
};

const KIND_ALIASES: Record<string, InspectorKind> = aliasTable({
  行政执法类公务员: 'civil_servant', 公务员: 'civil_servant', civil_servant: 'civil_servant',
  具有执法资格的工作人员: 'qualified_staff', 执法资格人员: 'qualified_staff', qualified_staff: 'qualified_staff',
  日常监管人员: 'daily_supervision', 日常监管: 'daily_supervision', daily_supervision: 'daily_supervision',
  专家: 'expert', 专家学者: 'expert', expert: 'expert',
});

export interface InspectorRecord {
  inspectorNo: string;
  name: string;
  department: string;
  kind: InspectorKind;
  certificateNo: string;
  certificateExpiry?: string;
  qualification: string;
  specialties: string[];
  jointPool: boolean;
  jointPoolUpdatedOn?: string;
  active: boolean;
  conflicts: string[];
  /** For linking the inspector to a user (关联检查人员); never shown to other users. */
  mobile?: string;
  /** The inspector's WeCom userid or DingTalk userid, for linking. */
  platformId?: string;
}

export const INSPECTOR_HEADERS: Record<keyof InspectorRecord, string[]> = {
  inspectorNo: ['人员编号', '编号', 'inspectorNo'],
  name: ['姓名', 'name'],
  department: ['部门', '所属部门', 'department'],
  kind: ['人员类别', '类别', 'kind'],
  certificateNo: ['执法证号', '执法证件号', 'certificateNo'],
  certificateExpiry: ['执法证有效期至', '证件有效期', 'certificateExpiry'],
  qualification: ['执法资格', '资格', 'qualification'],
  specialties: ['业务专长', '专长', 'specialties'],
  jointPool: ['联合检查人员库', '联合库', 'jointPool'],
  jointPoolUpdatedOn: ['联合库更新日期', 'jointPoolUpdatedOn'],
  active: ['在岗', '状态', 'active'],
  conflicts: ['回避主体', '回避企业', 'conflicts'],
  mobile: ['手机号', '手机', 'mobile'],
  platformId: ['企业微信或钉钉账号', '平台账号', 'platformId'],
};

export const INSPECTOR_REQUIRED: (keyof InspectorRecord)[] = ['inspectorNo', 'name', 'department', 'kind'];

/**
 * Enforcement officers count towards the two-officer minimum (R8a) only with a
 * certificate; experts advise and never count (R7).
 */
export function isEnforcementOfficer(i: Pick<InspectorRecord, 'kind' | 'certificateNo'>): boolean {
  return i.kind !== 'expert' && i.certificateNo.length > 0;
}

/** Is the certificate valid on this calendar day ('YYYY-MM-DD')? */
export function certificateValidOn(i: Pick<InspectorRecord, 'certificateNo' | 'certificateExpiry'>, day: string): boolean {
  return i.certificateNo.length > 0 && i.certificateExpiry !== undefined && i.certificateExpiry >= day;
}

/**
 * An officer who can be sent on `day` (R7, R8a): in post, an enforcement
 * officer (not an expert) and holding a certificate valid that day.
 */
export function isActiveOfficerOn(i: Pick<InspectorRecord, 'kind' | 'certificateNo' | 'certificateExpiry' | 'active'>, day: string): boolean {
  return i.active && isEnforcementOfficer(i) && certificateValidOn(i, day);
}

export function parseInspectorRow(cells: Partial<Record<keyof InspectorRecord, string>>): Parsed<InspectorRecord> {
  const no = text('人员编号', cells.inspectorNo, { required: true, max: 40 });
  if (!no.ok) return no;
  const name = text('姓名', cells.name, { required: true, max: 50 });
  if (!name.ok) return name;
  const deptText = text('部门', cells.department, { required: true, max: 50 });
  if (!deptText.ok) return deptText;
  const unit = findUnit(deptText.value);
  if (!unit) return bad(`部门“${deptText.value}”不是联席会议成员单位（R19），请用成员单位名称，如“县市管局”`);
  const kind = oneOf('人员类别', cells.kind, KIND_ALIASES);
  if (!kind.ok) return kind;
  const cert = text('执法证号', cells.certificateNo, { max: 40 });
  if (!cert.ok) return cert;
  const expiry = date('执法证有效期至', cells.certificateExpiry);
  if (!expiry.ok) return expiry;
  if ((kind.value === 'civil_servant' || kind.value === 'qualified_staff') && (!cert.value || !expiry.value)) {
    return bad(`${INSPECTOR_KIND_LABELS[kind.value]}须填写执法证号和有效期（R8a）`);
  }
  if (kind.value === 'expert' && cert.value) {
    return bad('专家不是执法人员，不应填写执法证号（R7）；如其持有执法证，请按执法人员登记');
  }
  const qualification = text('执法资格', cells.qualification, { max: 100 });
  if (!qualification.ok) return qualification;
  const specText = text('业务专长', cells.specialties, { lines: 'list' });
  if (!specText.ok) return specText;
  const joint = yesNo('联合检查人员库', cells.jointPool, false);
  if (!joint.ok) return joint;
  const jointDate = date('联合库更新日期', cells.jointPoolUpdatedOn);
  if (!jointDate.ok) return jointDate;
  const active = yesNo('在岗', cells.active, true);
  if (!active.ok) return active;
  const conflictText = text('回避主体', cells.conflicts, { max: 2000, lines: 'list' });
  if (!conflictText.ok) return conflictText;
  const conflicts: string[] = [];
  for (const c of list(conflictText.value)) {
    const r = checkCreditCode(c);
    if (!r.ok) return bad(`回避主体：${r.reason}`);
    conflicts.push(r.code);
  }
  const mobile = text('手机号', cells.mobile, { max: 20 });
  if (!mobile.ok) return mobile;
  if (mobile.value && !/^\+?[0-9-]{5,20}$/.test(mobile.value)) return bad(`手机号“${mobile.value}”无效，只能包含数字`);
  const platformId = text('企业微信或钉钉账号', cells.platformId, { max: 64 });
  if (!platformId.ok) return platformId;
  return ok({
    ...(mobile.value ? { mobile: mobile.value } : {}),
    ...(platformId.value ? { platformId: platformId.value } : {}),
    inspectorNo: no.value,
    name: name.value,
    department: unit.code,
    kind: kind.value,
    certificateNo: cert.value,
    certificateExpiry: expiry.value,
    qualification: qualification.value,
    specialties: list(specText.value),
    jointPool: joint.value,
    jointPoolUpdatedOn: jointDate.value,
    active: active.value,
    conflicts: [...new Set(conflicts)],
  });
}
