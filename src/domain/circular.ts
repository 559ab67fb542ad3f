/**
 * Circulars (督查通报, R21), pure: the record as the services see it, and the
 * text in the plain official style — number, title, addressees, sections
 * (总体情况, 排名, 存在的问题, 工作要求), issuer and date — composed from a
 * period's statistics (src/domain/stats.ts).
 */
import { unitName } from './organisation';
import { percent, ratesOf, scoreOf, shortfalls, type Stats } from './stats';

export const CIRCULAR_STATUSES = ['draft', 'pending', 'returned', 'approved', 'sent'] as const;
export type CircularStatus = (typeof CIRCULAR_STATUSES)[number];

export interface Circular {
  /** The draft's id and approval subject, e.g. "TB2026-0001". */
  circularNo: string;
  /** The official number given at approval, e.g. "万联办通〔2026〕3号" ('' before). */
  docNo: string;
  periodKey: string;
  periodLabel: string;
  title: string;
  /** Departments whose score is below this (per cent) are named with what they missed. */
  threshold: number;
  /** 四、工作要求, as the author wrote it. */
  requirements: string;
  /** An extra paragraph the author adds to 三、存在的问题 ('' when none). */
  remarks: string;
  /** The figures as drafted (frozen: what is approved is what is sent). */
  stats: Stats;
  author: string;
  authorName: string;
  /** Drafted by the quarterly job for 联席办 to review. */
  auto: boolean;
  status: CircularStatus;
  /** Departments whose group chats have been sent the circular. */
  sentTo: string[];
  createdAt: Date;
  updatedAt: Date;
  approvedAt?: Date;
  sentAt?: Date;
  version: number;
}

/** The issuer's name and the number's prefix (万年县联席办: 万联办通〔年〕n号). */
export const ISSUER = '万年县“双随机、一公开”监管工作联席会议办公室';
export const DOC_PREFIX = '万联办通';
export const DEFAULT_THRESHOLD = 80;
export const DEFAULT_REQUIREMENTS = '各成员单位要对照本通报查找不足，于收到通报后10个工作日内完成整改：尚未制定抽查计划的事项抓紧补充计划（R12），逾期未录入的检查结果及时录入并在20个工作日内公示（R15），C类重点监管对象年内全部检查到位（R4）。联席办将持续跟踪督办，整改情况纳入年度考核。';

export const docNumber = (year: number, n: number) => `${DOC_PREFIX}〔${year}〕${n}号`;
export const defaultTitle = (periodLabel: string) => `关于${periodLabel}“双随机、一公开”监管工作情况的通报`;

const chineseDate = (day: string) => `${Number(day.slice(0, 4))}年${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`;
const INDENT = '　　';

/** Departments with a score, best first (ties by list order). */
export function ranking(stats: Stats): { department: string; score: number }[] {
  return stats.departments
    .map((d, i) => ({ department: d.department, score: scoreOf(d), i }))
    .filter((x): x is { department: string; score: number; i: number } => x.score !== undefined)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map(({ department, score }) => ({ department, score }));
}

/** Departments below the threshold, with what each missed. */
export function below(stats: Stats, threshold: number): { department: string; score: number; missed: string[] }[] {
  return ranking(stats).filter((r) => r.score * 100 < threshold).map((r) => ({
    ...r, missed: shortfalls(stats.departments.find((d) => d.department === r.department)!),
  }));
}

/** The circular's whole text. `issuedOn` is the Beijing day shown under the issuer. */
export function circularText(c: Pick<Circular, 'docNo' | 'title' | 'threshold' | 'requirements' | 'remarks' | 'stats' | 'periodLabel'>, issuedOn: string): string {
  const s = c.stats.county;
  const r = ratesOf(s);
  const lines: string[] = [
    c.docNo || `${DOC_PREFIX}〔${c.stats.period.year}〕  号（印发时编号）`,
    '',
    c.title,
    '',
    '各成员单位：',
    `${INDENT}根据《万年县“双随机、一公开、一集中”监管工作实施方案》（万府办字〔2022〕55号）和规则 R21，县联席办对${c.periodLabel}各成员单位“双随机、一公开”监管工作开展情况进行了督查，现将有关情况通报如下。`,
    '',
    '一、总体情况',
    `${INDENT}全县抽查事项${s.items}项，已制定计划覆盖${s.itemsCovered}项，覆盖率${percent(r.coverage)}（R12）；制定抽查计划${s.plans}个，其中3月31日前录入${s.plansByMarch}个，审查通过${s.plansApproved}个、退回${s.plansReturned}个、未通过${s.plansRefused}个（R13）。`
    + `完成抽取${s.draws}次，其中在检查时段结束前抽取${s.drawsInWindow}次。抽查任务${s.tasks}件，已审核${s.tasksDone}件，逾期未录入${s.tasksOverdue}件；检查结果按时录入率${percent(r.onTimeEntry)}，20个工作日内公示率${percent(r.onTimePublic)}（R15）。`
    + `安静期检查备案${s.filings}件，通过${s.filingsAccepted}件、未通过${s.filingsRefused}件（R11、R2）。C类重点监管对象${s.cEntities}户，已检查${s.cCovered}户，覆盖率${percent(r.cCoverage)}（R4）。`
    + `联合检查${s.jointTasks}件，减少入企${s.visitsSaved}次（一集中）。受理投诉举报${s.complaintsReceived}件，办结${s.complaintsClosed}件，逾期${s.complaintsOverdue}件（R22）。`,
    '',
    '二、各单位情况排名',
    `${INDENT}按事项覆盖率、结果按时录入率、20个工作日内公示率、C类对象覆盖率的平均值排名：`,
  ];
  const ranked = ranking(c.stats);
  ranked.forEach((x, i) => lines.push(`${INDENT}${i + 1}. ${unitName(x.department)} ${percent(x.score)}`));
  const none = c.stats.departments.filter((d) => scoreOf(d) === undefined).map((d) => unitName(d.department));
  if (ranked.length === 0) lines.push(`${INDENT}本期各单位均无可统计的数据。`);
  if (none.length && ranked.length) lines.push(`${INDENT}本期无可统计数据的单位：${none.join('、')}。`);
  lines.push('', '三、存在的问题');
  const low = below(c.stats, c.threshold);
  if (low.length === 0) lines.push(`${INDENT}本期各单位综合得分均不低于${c.threshold}%。`);
  else {
    lines.push(`${INDENT}以下${low.length}个单位综合得分低于${c.threshold}%，予以通报：`);
    for (const x of low) lines.push(`${INDENT}${unitName(x.department)}（${percent(x.score)}）：${x.missed.length ? x.missed.join('；') : '各项比率偏低'}。`);
  }
  if (c.remarks) lines.push(`${INDENT}${c.remarks}`);
  lines.push('', '四、工作要求', `${INDENT}${c.requirements}`, '', ISSUER, chineseDate(issuedOn));
  if (c.stats.notes.length) lines.push('', `注：${c.stats.notes.join('；')}`);
  return lines.join('\n');
}
