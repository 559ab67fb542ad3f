/**
 * The joint meeting (R19): its 30 member units, names exactly as the seed's
 * attachment writes them, and the roles a user can hold.
 * The office of the joint meeting (联席办) sits in 县市管局; 司法局 reviews legality.
 */
export interface MemberUnit {
  code: string;
  name: string;
}

export const MEMBER_UNITS: readonly MemberUnit[] = [
  { code: 'SCJGJ', name: '县市管局' },
  { code: 'SFJ', name: '县司法局' },
  { code: 'FGW', name: '县发改委' },
  { code: 'TZB', name: '县委统战部' },
  { code: 'CZJ', name: '县财政局' },
  { code: 'RSJ', name: '县人社局' },
  { code: 'MZJ', name: '县民政局' },
  { code: 'ZRZYJ', name: '县自然资源局' },
  { code: 'YJGLJ', name: '县应急管理局' },
  { code: 'GXJ', name: '县工信局' },
  { code: 'JYJ', name: '县交运局' },
  { code: 'XFJYDD', name: '县消防救援大队' },
  { code: 'ZJJ', name: '县住建局' },
  { code: 'CGJ', name: '县城管局' },
  { code: 'STHJJ', name: '县生态环境局' },
  { code: 'RFB', name: '县人防办' },
  { code: 'SWJ', name: '县商务局' },
  { code: 'NYNCJ', name: '县农业农村局' },
  { code: 'LYJ', name: '县林业局' },
  { code: 'SLJ', name: '县水利局' },
  { code: 'WJW', name: '县卫健委' },
  { code: 'WGXLJ', name: '县文广新旅局' },
  { code: 'GAJ', name: '县公安局' },
  { code: 'YBJ', name: '县医保局' },
  { code: 'JTJ', name: '县教体局' },
  { code: 'QXJ', name: '县气象局' },
  { code: 'TJJ', name: '县统计局' },
  { code: 'CL', name: '县残联' },
  { code: 'GXQGWH', name: '县高新区管理管委会' },
  { code: 'DAG', name: '县档案馆' },
];

/** 联席办 is housed in 县市管局 (R19). */
export const JOINT_OFFICE_HOST = 'SCJGJ';
export const JOINT_OFFICE_NAME = '联席办';
/** 司法局 reviews plans for legality (R13). */
export const JUSTICE_DEPT = 'SFJ';

export const ROLES = ['official', 'leader', 'office', 'justice', 'inspector', 'admin', 'hotline'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  official: '经办人',
  leader: '部门领导',
  office: '联席办',
  justice: '司法局审核',
  inspector: '执法检查人员',
  admin: '系统管理员',
  /** 12345/12315 hotline staff: enter complaints from the public (R22). */
  hotline: '投诉受理人员',
};

const byCode = new Map(MEMBER_UNITS.map((u) => [u.code, u]));
const byName = new Map(MEMBER_UNITS.map((u) => [u.name, u]));

/**
 * Formal names (without the leading 县) that lists and people write for the
 * abbreviated names of the attachment; the seed itself calls the convener
 * 县市场监督管理局.
 */
const FORMAL_NAMES: Record<string, string> = {
  市场监督管理局: 'SCJGJ', 市场监管局: 'SCJGJ',
  发展和改革委员会: 'FGW', 发展改革委: 'FGW',
  统战部: 'TZB', 委统一战线工作部: 'TZB',
  人力资源和社会保障局: 'RSJ',
  应急局: 'YJGLJ',
  工业和信息化局: 'GXJ',
  交通运输局: 'JYJ',
  消防大队: 'XFJYDD',
  住房和城乡建设局: 'ZJJ',
  城市管理局: 'CGJ', 城市管理和综合执法局: 'CGJ',
  人民防空办公室: 'RFB',
  卫生健康委员会: 'WJW', 卫生健康委: 'WJW',
  文化广电新闻出版旅游局: 'WGXLJ',
  医疗保障局: 'YBJ',
  教育体育局: 'JTJ',
  残疾人联合会: 'CL',
  高新区管委会: 'GXQGWH',
};
const byFormalName = new Map(Object.entries(FORMAL_NAMES).map(([name, code]) => [name, byCode.get(code)!]));

/**
 * Resolves a department from its code, its name as the attachment writes it,
 * that name without the leading 县 ("市管局" → 县市管局), or a formal name
 * ("县市场监督管理局"), with or without the county's name in front
 * ("万年县司法局"). Returns undefined for anything else.
 */
export function findUnit(text: string): MemberUnit | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const hit = byCode.get(t.toUpperCase()) ?? byName.get(t) ?? byName.get(`县${t}`);
  if (hit) return hit;
  const bare = t.replace(/^万年县?/, '').replace(/^县/, '');
  if (!bare) return undefined;
  return byName.get(`县${bare}`) ?? byFormalName.get(bare);
}

export function unitName(code: string): string {
  return byCode.get(code)?.name ?? code;
}

/**
 * The department a role must belong to, if the role is tied to one:
 * 联席办 staff sit in 县市管局, legality reviewers in 县司法局.
 */
export function roleHomeDepartment(role: Role): string | undefined {
  if (role === 'office') return JOINT_OFFICE_HOST;
  if (role === 'justice') return JUSTICE_DEPT;
  return undefined;
}
