/**
 * Circulars (督查通报, R21) as use cases: 联席办 or 司法局 drafts one for a period
 * (the figures frozen with it), the author edits it (title, threshold, remarks,
 * requirements), submits it, and another 联席办 member or 司法局 approves it
 * through the approval engine (kind `circular`); the approval gives it its
 * official number (万联办通〔年〕n号). An approved circular is then delivered to
 * every member unit's group chats as text, an xlsx of the figures and a bar
 * chart (PNG) by the delivery job, which records each department sent to.
 * A quarterly draft is made automatically on the 5th working day of the next
 * quarter for 联席办 to review.
 */
import { beijingDate } from '../domain/calendar';
import { barChartSvg, type ChartSpec } from '../domain/chart';
import { circularText, DEFAULT_REQUIREMENTS, DEFAULT_THRESHOLD, defaultTitle, docNumber, below, type Circular } from '../domain/circular';
import { JOINT_OFFICE_HOST, JUSTICE_DEPT, MEMBER_UNITS, unitName } from '../domain/organisation';
import { parsePeriod, previousQuarter, ratesOf, type Period } from '../domain/stats';
import { isWorkingDay, type HolidayCalendar } from '../domain/workdays';
import type { StepSpec } from '../domain/approval';
import type { Channel } from '../domain/audit';
import type { ApprovalChange, ApprovalService } from './approvals';
import { renderSvg, type RenderedImage } from './chart';
import { hasAny, Refusal, type Caller, type Deps } from './context';
import { loadHolidayCalendar } from './holidays';
import type { StatsService } from './stats';
import { statsXlsx } from './statsWorkbook';

export const CIRCULAR_ROLES = ['office', 'justice'] as const;
const MAX_TITLE = 80;
const MAX_TEXT = 1000;

const OFFICE_STEP: StepSpec = { role: 'office', department: JOINT_OFFICE_HOST, label: '联席办审核（督查通报，R21）' };
const JUSTICE_STEP: StepSpec = { role: 'justice', department: JUSTICE_DEPT, label: '司法局审核（督查通报，R21）' };

/** The system as the author of an automatic draft. */
export const SYSTEM_AUTHOR = 'system';

/** A change the author makes in the conversation. */
export type CircularEdit =
  | { field: 'title'; value: string }
  | { field: 'requirements'; value: string }
  | { field: 'remarks'; value: string }
  | { field: 'threshold'; value: number };

/** The 5th working day of the month `day` falls in (the quarterly circular's day), or undefined without holiday data. */
export function fifthWorkingDay(day: string, cal: HolidayCalendar): string | undefined {
  const [y, m] = [Number(day.slice(0, 4)), Number(day.slice(5, 7))];
  if (!cal.years.has(y)) return undefined;
  let n = 0;
  for (let d = 1; d <= 31; d++) {
    const s = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    if (isWorkingDay(s, cal) && ++n === 5) return s;
  }
  return undefined;
}

export function circularService(deps: Deps, approvals: ApprovalService, stats: StatsService, opts: { calendar?: HolidayCalendar } = {}) {
  const { repos, now } = deps;
  const cal = () => opts.calendar ?? loadHolidayCalendar();

  async function load(circularNo: string): Promise<Circular> {
    const no = circularNo.trim().toUpperCase();
    const c = await repos.circulars.get(no);
    if (!c) throw new Refusal(`没有编号为“${circularNo.trim().slice(0, 20)}”的督查通报，请核对编号（如 TB2026-0001）`);
    return c;
  }

  async function create(period: Period, author: { userId: string; name: string; channel: Channel }, auto: boolean): Promise<Circular> {
    const at = now();
    const n = await repos.counters.next(`circular-draft:${period.year}`);
    const c: Circular = {
      circularNo: `TB${period.year}-${String(n).padStart(4, '0')}`, docNo: '', periodKey: period.key, periodLabel: period.label,
      title: defaultTitle(period.label), threshold: DEFAULT_THRESHOLD, requirements: DEFAULT_REQUIREMENTS, remarks: '',
      stats: await stats.compute(period), author: author.userId, authorName: author.name, auto, status: 'draft', sentTo: [],
      createdAt: at, updatedAt: at, version: 1,
    };
    await repos.circulars.create(c);
    await repos.audit.append({
      at, actor: author.userId, channel: author.channel, action: 'circular.draft', target: `circular:${c.circularNo}`,
      changes: [{ field: 'status', from: '""', to: '"draft"' }], note: `${period.label}${auto ? '（自动起草）' : ''}`,
    });
    return c;
  }

  /** Who may change a draft: its author, or any 联席办 member for an automatic one. */
  function mayEdit(caller: Caller, c: Circular): void {
    const own = c.author === caller.userId || (c.author === SYSTEM_AUTHOR && hasAny(caller, ['office']));
    if (!own) throw new Refusal(`督查通报 ${c.circularNo} 由${c.authorName}起草，只能由起草人修改${c.auto ? '' : '；如需另起一稿，请发送“督查通报 <期间>”'}`, 'R20');
    if (c.status !== 'draft' && c.status !== 'returned') {
      throw new Refusal(`督查通报 ${c.circularNo} ${c.status === 'pending' ? '正在审核中' : '已审核通过'}，不能再修改；只有草稿和被退回的通报可以修改`);
    }
  }

  approvals.onDecide('circular', async (_caller, a, approve) => {
    const c = await load(a.subject);
    if (c.status !== 'pending') return; // an earlier attempt of this decision already recorded it
    const at = now();
    const year = c.stats.period.year;
    const next: Circular = approve
      ? { ...c, status: 'approved', docNo: c.docNo || docNumber(year, await repos.counters.next(`circular-no:${year}`)), approvedAt: at, updatedAt: at, version: c.version + 1 }
      : { ...c, status: 'returned', updatedAt: at, version: c.version + 1 };
    if (!(await repos.circulars.replace(next, c.version))) throw new Refusal(`督查通报 ${c.circularNo} 刚被修改，请重新查看后再审核`);
  });

  return {
    get: load,
    text: (c: Circular) => circularText(c, beijingDate(c.approvedAt ?? now())),
    /** Departments named in the circular as below its threshold. */
    below: (c: Circular) => below(c.stats, c.threshold),

    /** `督查通报 <期间>`: a new draft with the period's figures (联席办 or 司法局, R21). */
    async draft(caller: Caller, periodText: string): Promise<Circular> {
      if (!hasAny(caller, CIRCULAR_ROLES)) throw new Refusal('依据规则 R21：督查通报由联席办或司法局起草；您没有这两个角色。如需起草，请系统管理员授权（授权 <姓名> 联席办）', 'R21');
      if (!periodText.trim()) throw new Refusal('请写明通报的期间，例如：督查通报 2026Q3（也可写 2026年度 或 2026-09）');
      const p = parsePeriod(periodText, beijingDate(now()));
      if (!p.ok) throw new Refusal(p.reason);
      return create(p.period, { userId: caller.userId, name: caller.name, channel: caller.channel }, false);
    },

    /** Checks that the caller may edit this draft now; returns it. */
    async editable(caller: Caller, circularNo: string): Promise<Circular> {
      const c = await load(circularNo);
      mayEdit(caller, c);
      return c;
    },

    async edit(caller: Caller, circularNo: string, e: CircularEdit): Promise<Circular> {
      const c = await load(circularNo);
      mayEdit(caller, c);
      if (e.field === 'threshold') {
        if (!Number.isFinite(e.value) || e.value < 0 || e.value > 100) throw new Refusal('阈值是0到100之间的百分数，例如：改 阈值 85');
      } else {
        const v = e.value.trim();
        const max = e.field === 'title' ? MAX_TITLE : MAX_TEXT;
        if (e.field !== 'remarks' && !v) throw new Refusal(`${e.field === 'title' ? '标题' : '工作要求'}不能为空`);
        if (v.length > max) throw new Refusal(`内容过长（${v.length}字），请控制在${max}字以内`);
        if (/[\r\n]/.test(v) && e.field === 'title') throw new Refusal('标题只能写一行');
      }
      const at = now();
      const next: Circular = { ...c, [e.field]: typeof e.value === 'string' ? e.value.trim() : e.value, updatedAt: at, version: c.version + 1 };
      if (!(await repos.circulars.replace(next, c.version))) throw new Refusal(`督查通报 ${c.circularNo} 刚被他人修改，您的修改没有保存，请重新查看后再改`);
      await repos.audit.append({
        at, actor: caller.userId, channel: caller.channel, action: 'circular.edit', target: `circular:${c.circularNo}`,
        changes: [{ field: e.field, from: JSON.stringify(c[e.field]), to: JSON.stringify(next[e.field]) }], note: '',
      });
      return next;
    },

    /**
     * Sends the draft for approval: to another 联席办 member (R20: never the author), or to
     * 司法局 when 联席办 has nobody else; a 司法局 author's draft goes to 联席办.
     */
    async submit(caller: Caller, circularNo: string): Promise<ApprovalChange> {
      const c = await load(circularNo);
      mayEdit(caller, c);
      const low = below(c.stats, c.threshold);
      const req = (steps: StepSpec[]) => ({
        kind: 'circular' as const, subject: c.circularNo, title: c.title, requester: caller, steps,
        fields: [
          { label: '期间', value: c.periodLabel },
          { label: '通报单位', value: low.length ? `${low.slice(0, 8).map((x) => unitName(x.department)).join('、')}${low.length > 8 ? `等${low.length}个单位` : ''}` : '无' },
          { label: '全文', value: `发送“通报 ${c.circularNo}”查看` },
        ],
      });
      const options = hasAny(caller, ['office']) ? [[OFFICE_STEP], [JUSTICE_STEP]] : [[OFFICE_STEP]];
      let change: ApprovalChange | undefined;
      let refusal: Refusal | undefined;
      for (const steps of options) {
        try {
          change = c.status === 'returned' ? await approvals.reopen(req(steps)) : await approvals.open(req(steps));
          break;
        } catch (err) {
          if (!(err instanceof Refusal) || err.rule !== 'R20') throw err;
          refusal ??= err;
        }
      }
      if (!change) throw refusal!;
      const at = now();
      const next: Circular = { ...c, status: 'pending', author: c.author === SYSTEM_AUTHOR ? caller.userId : c.author, authorName: c.author === SYSTEM_AUTHOR ? caller.name : c.authorName, updatedAt: at, version: c.version + 1 };
      if (!(await repos.circulars.replace(next, c.version))) throw new Refusal(`督查通报 ${c.circularNo} 刚被他人修改，请重新查看后再提交`);
      return change;
    },

    /** The figures as an xlsx. */
    workbook: (c: Circular) => statsXlsx(c.stats),

    /** The bar chart: per department, results public on time (R15) and items covered (R12). */
    chart(c: Circular, fontFile?: string): RenderedImage {
      const spec: ChartSpec = {
        title: `${c.periodLabel}各单位“双随机、一公开”监管情况`,
        subtitle: `${c.docNo || c.circularNo}　统计日 ${c.stats.today}`,
        seriesA: '检查结果20个工作日内公示率（R15）',
        seriesB: '抽查事项计划覆盖率（R12）',
        rows: c.stats.departments.map((d) => ({ label: unitName(d.department), a: ratesOf(d).onTimePublic, b: ratesOf(d).coverage })),
      };
      return renderSvg(barChartSvg(spec).svg, fontFile);
    },

    /** Approved circulars not yet delivered to every member unit. */
    async approvedUnsent(): Promise<Circular[]> {
      return (await repos.circulars.all()).filter((c) => c.status === 'approved');
    },

    /**
     * Delivers an approved circular to each member unit's group chats through `send` (which
     * queues the messages), recording each department as it goes, then marks it sent.
     * A department already recorded is not sent again.
     */
    async deliver(c: Circular, send: (department: string, parts: { title: string; text: string; xlsx: Buffer; png: Buffer }) => Promise<number>): Promise<{ departments: number; messages: number }> {
      const text = circularText(c, beijingDate(c.approvedAt ?? now()));
      const xlsx = await statsXlsx(c.stats);
      const png = this.chart(c).png;
      let messages = 0;
      let departments = 0;
      for (const u of MEMBER_UNITS) {
        if (c.sentTo.includes(u.code)) continue;
        const n = await send(u.code, { title: `${c.docNo} ${c.title}`, text, xlsx, png });
        messages += n;
        if (n > 0) departments++;
        await repos.circulars.markSentTo(c.circularNo, u.code);
      }
      const fresh = await load(c.circularNo);
      const at = now();
      await repos.circulars.replace({ ...fresh, status: 'sent', sentAt: at, updatedAt: at, version: fresh.version + 1 }, fresh.version);
      await repos.audit.append({
        at, actor: SYSTEM_AUTHOR, channel: 'system', action: 'circular.send', target: `circular:${c.circularNo}`,
        changes: [{ field: 'status', from: '"approved"', to: '"sent"' }], note: `${departments}个单位的工作群，${messages}条消息`,
      });
      return { departments, messages };
    },

    /**
     * The quarterly draft (R21): on the 5th working day of a quarter's first month or later in
     * that month, once across all processes, a draft of the previous quarter for 联席办 to review.
     */
    async draftQuarterly(at: Date): Promise<Circular | undefined> {
      const today = beijingDate(at);
      const month = Number(today.slice(5, 7));
      if ((month - 1) % 3 !== 0) return undefined;
      const fifth = fifthWorkingDay(today, cal());
      if (!fifth || today < fifth) return undefined;
      const period = previousQuarter(today);
      if ((await repos.counters.next(`circular-auto:${period.key}`)) !== 1) return undefined;
      return create(period, { userId: SYSTEM_AUTHOR, name: '系统（季度自动起草）', channel: 'system' }, true);
    },
  };
}

export type CircularService = ReturnType<typeof circularService>;
