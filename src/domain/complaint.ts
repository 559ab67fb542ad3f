/**
 * Complaints and reports from the public (投诉举报, R22), pure: the record as the
 * services see it, the checks on what a complainant types, routing to the
 * department responsible, the acknowledgement deadline (1 working day), what
 * is overdue, and what of a complaint may be published (never the complainant's
 * details nor their own words, which may name them). Time, randomness and the
 * working-day calendar are passed in.
 */
import { cleanText } from './fields';
import { MEMBER_UNITS } from './organisation';

export const COMPLAINT_STATUSES = ['unrouted', 'received', 'acknowledged', 'closed'] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

export const COMPLAINT_STATUS_LABELS: Record<ComplaintStatus, string> = {
  unrouted: '待联席办分派',
  received: '待受理',
  acknowledged: '办理中',
  closed: '已办结',
};

/** Where it came from: the public site's form, or 12345/12315 staff in the chat. */
export const COMPLAINT_SOURCES = ['web', 'hotline'] as const;
export type ComplaintSource = (typeof COMPLAINT_SOURCES)[number];

export interface Complaint {
  complaintNo: string;
  source: ComplaintSource;
  /** SHA-256 (hex) of the query code given to the complainant; the code itself is never stored. */
  queryHash: string;
  receivedAt: Date;
  /** Who entered it: a user id, or 'public' for the form. */
  receivedBy: string;
  /** The entity as the complainant wrote it. */
  entityText: string;
  /** The registry's entity when one matched ('' otherwise). */
  creditCode: string;
  entityName: string;
  /** What happened, in the complainant's words (never published). */
  content: string;
  /** Optional contact (never published, shown only to the department handling it and 联席办). */
  contact: string;
  /** The matter's label (食品安全, 消防安全, …) or '' when none was recognised. */
  matter: string;
  /** The department responsible; '' while 联席办 has to decide. */
  department: string;
  /** Why it went there (or why 联席办 must decide). */
  routeNote: string;
  status: ComplaintStatus;
  /** 'YYYY-MM-DD' (Beijing): the department acknowledges by the end of this day; '' while unrouted. */
  ackDue: string;
  routedAt?: Date;
  acknowledgedAt?: Date;
  acknowledgedBy: string;
  /** The 备案 (reason 投诉举报) by which it was handled ('' when none). */
  filingNo: string;
  outcome: string;
  closedAt?: Date;
  closedBy: string;
  version: number;
}

export const COMPLAINT_NO = /^TS\d{4}-\d{4,}$/i;
export const complaintNo = (year: string, seq: number): string => `TS${year}-${String(seq).padStart(4, '0')}`;

export const LIMITS = { entity: 100, contentMin: 10, content: 1000, contact: 50, outcomeMin: 4, outcome: 500 } as const;

/** Query-code alphabet: no 0/O, 1/I/L, so it can be read out on the phone. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const QUERY_CODE_LENGTH = 10;

/** A query code from random bytes (at least QUERY_CODE_LENGTH of them). */
export function queryCode(random: Buffer): string {
  let out = '';
  for (let i = 0; i < QUERY_CODE_LENGTH; i++) out += CODE_ALPHABET[random[i] % CODE_ALPHABET.length];
  return out;
}

/** A code as typed: upper case, no spaces or dashes. */
export const normaliseQueryCode = (code: string): string => code.replace(/[\s-]/g, '').toUpperCase();

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** One field as plain text: control, zero-width and bidi characters removed, trimmed, length-checked. */
function field(label: string, raw: unknown, max: number, min = 0, required = false): Checked<string> {
  if (raw !== undefined && typeof raw !== 'string') return { ok: false, reason: `${label}只能是文字` };
  const value = cleanText(String(raw ?? '').replace(/\r\n?|[\u0085\u2028\u2029]/g, '\n')).replace(/[ \t]+/g, ' ').replace(/\n{3,}/g, '\n\n').trim();
  if (!value && required) return { ok: false, reason: `请填写${label}` };
  if (value && value.length < min) return { ok: false, reason: `${label}太短（${value.length}字），请至少写${min}字，说清时间、地点和经过` };
  if (value.length > max) return { ok: false, reason: `${label}过长（${value.length}字），请控制在${max}字以内` };
  return { ok: true, value };
}

export interface ComplaintInput {
  entity: string;
  content: string;
  contact: string;
}

/** What a complainant typed, checked: the entity (name or code), what happened, an optional contact. */
export function checkComplaintInput(raw: { entity?: unknown; content?: unknown; contact?: unknown }): Checked<ComplaintInput> {
  const entity = field('被投诉主体（名称或统一社会信用代码）', raw.entity, LIMITS.entity, 2, true);
  if (!entity.ok) return entity;
  if (/\n/.test(entity.value)) return { ok: false, reason: '被投诉主体请写在一行内' };
  const content = field('投诉举报内容', raw.content, LIMITS.content, LIMITS.contentMin, true);
  if (!content.ok) return content;
  const contact = field('联系方式', raw.contact, LIMITS.contact);
  if (!contact.ok) return contact;
  return { ok: true, value: { entity: entity.value, content: content.value, contact: contact.value.replace(/\n/g, ' ') } };
}

/**
 * Matters by keyword, each with the department that handles it. The first matter whose
 * word appears in the text counts; the more specific matters come first.
 */
export const MATTERS: { label: string; department: string; words: string[] }[] = [
  { label: '消防安全', department: 'XFJYDD', words: ['消防', '火灾', '灭火器', '安全出口', '疏散通道', '堵塞通道'] },
  { label: '生态环境', department: 'STHJJ', words: ['污染', '排污', '废水', '废气', '异味', '臭味', '噪声', '噪音', '粉尘', '环保'] },
  { label: '安全生产', department: 'YJGLJ', words: ['安全生产', '危化品', '危险化学品', '烟花爆竹', '矿山', '安全事故'] },
  { label: '医疗卫生', department: 'WJW', words: ['诊所', '医疗', '行医', '卫生许可', '公共场所卫生', '医生', '医院'] },
  { label: '医疗保障', department: 'YBJ', words: ['医保', '骗保', '刷卡套现'] },
  { label: '劳动保障', department: 'RSJ', words: ['欠薪', '拖欠工资', '工资', '劳动合同', '社保'] },
  { label: '建筑施工', department: 'ZJJ', words: ['工地', '施工', '建筑', '物业', '房产', '燃气'] },
  { label: '道路运输', department: 'JYJ', words: ['客运', '货运', '驾校', '出租车', '汽车维修', '运输'] },
  { label: '文化旅游', department: 'WGXLJ', words: ['网吧', '歌厅', 'KTV', '旅行社', '景区', '演出', '出版'] },
  { label: '教育培训', department: 'JTJ', words: ['培训', '补课', '学校', '幼儿园', '校外'] },
  { label: '农资农产品', department: 'NYNCJ', words: ['农药', '化肥', '种子', '兽药', '饲料', '屠宰'] },
  { label: '市容城管', department: 'CGJ', words: ['占道', '乱摆', '乱搭', '违建', '违章建筑', '店外经营'] },
  {
    label: '市场监管', department: 'SCJGJ',
    words: ['食品', '过期', '变质', '餐饮', '餐具', '厨房', '食物中毒', '拉肚子', '药品', '化妆品', '价格', '缺斤短两', '计量', '假冒', '伪劣', '质量', '虚假宣传', '广告', '无照', '营业执照', '特种设备', '电梯', '消费', '退款', '商标'],
  },
];

/**
 * The department responsible, by the entity's supervising departments and the matter:
 * - a matter whose department supervises the entity → that department;
 * - a matter and no entity from the registry → the matter's department;
 * - no matter, and the entity has exactly one supervising department → that one;
 * - otherwise (a matter outside the entity's departments, several candidates, nothing known)
 *   → nobody: 联席办 decides (`department` '').
 */
export function routeComplaint(o: { entityDepartments: string[]; text: string }): { department: string; matter: string; note: string } {
  const text = o.text.toUpperCase();
  const hit = MATTERS.find((m) => m.words.some((w) => text.includes(w.toUpperCase())));
  const supervising = [...new Set(o.entityDepartments)];
  const name = (code: string) => MEMBER_UNITS.find((u) => u.code === code)?.name ?? code;
  if (hit && supervising.includes(hit.department)) {
    return { department: hit.department, matter: hit.label, note: `事项“${hit.label}”属${name(hit.department)}职责，且该主体由其监管` };
  }
  if (hit && supervising.length === 0) {
    return { department: hit.department, matter: hit.label, note: `事项“${hit.label}”属${name(hit.department)}职责，主体不在检查对象库中` };
  }
  if (!hit && supervising.length === 1) {
    return { department: supervising[0], matter: '', note: `未识别事项，该主体只由${name(supervising[0])}监管` };
  }
  if (hit) {
    return { department: '', matter: hit.label, note: `事项“${hit.label}”属${name(hit.department)}职责，但该主体的监管部门为${supervising.map(name).join('、')}，请联席办确定` };
  }
  return { department: '', matter: '', note: supervising.length ? `未识别事项，该主体有${supervising.length}个监管部门（${supervising.map(name).join('、')}），请联席办确定` : '未识别事项，主体也不在检查对象库中，请联席办确定' };
}

/** The day an acknowledgement is due: the first working day after the day it was routed (within 1 working day). */
export function acknowledgementDue(routedDay: string, isWorking: (day: string) => boolean): string {
  let d = routedDay;
  for (let i = 0; i < 60; i++) {
    d = new Date(Date.parse(`${d}T00:00:00Z`) + 86400_000).toISOString().slice(0, 10);
    if (isWorking(d)) return d;
  }
  throw new Error(`no working day within 60 days after ${routedDay}`);
}

/** Working days a department has to close a complaint after acknowledging it (the county's default). */
export const CLOSE_WORKING_DAYS = 20;

export type Overdue = 'ack' | 'close' | undefined;

/**
 * Overdue on `today` (Beijing): not acknowledged after its due day (`ack`), or acknowledged and
 * still open after `closeDue` (`close`). An unrouted complaint waits for 联席办 and is overdue
 * once a working day has passed since it arrived (`ack`: nobody could acknowledge it).
 */
export function overdueOn(c: Pick<Complaint, 'status' | 'ackDue'>, today: string, closeDue: string | undefined, unroutedDue: string | undefined): Overdue {
  if (c.status === 'received' && c.ackDue && today > c.ackDue) return 'ack';
  if (c.status === 'unrouted' && unroutedDue && today > unroutedDue) return 'ack';
  if (c.status === 'acknowledged' && closeDue && today > closeDue) return 'close';
  return undefined;
}

/** Whether it was acknowledged by the end of its due day (Beijing dates compared). */
export function acknowledgedOnTime(c: Pick<Complaint, 'ackDue'>, acknowledgedDay: string | undefined): boolean {
  return Boolean(acknowledgedDay && c.ackDue && acknowledgedDay <= c.ackDue);
}

/** What the public may see of a closed complaint: no contact, no complainant's words. */
export interface PublishedOutcome {
  complaintNo: string;
  receivedOn: string;
  closedOn: string;
  entityName: string;
  matter: string;
  department: string;
  outcome: string;
  filingNo: string;
}

/** What the complainant sees with the query code: the status and, once closed, the outcome. */
export interface ComplaintStatusView {
  complaintNo: string;
  receivedOn: string;
  status: string;
  department: string;
  acknowledgedOn: string;
  closedOn: string;
  outcome: string;
}
