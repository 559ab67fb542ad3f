/**
 * Complaints and reports (投诉举报, R22) as use cases: received from the public
 * site's form or entered in the chat by 12345/12315 staff (role 投诉受理人员),
 * numbered, routed to the department responsible (or left to 联席办 when unsure),
 * acknowledged by that department within 1 working day, handled — typically by a
 * 备案 with reason 投诉举报 (R11, R2 allow it in the quiet period), whose result
 * must be approved first — and closed with an outcome, which the public site
 * publishes without the complainant's details or words. The complainant looks up
 * the status with the number and a query code. Every change is audited (R20).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { beijingDate } from '../domain/calendar';
import {
  acknowledgedOnTime, acknowledgementDue, checkComplaintInput, CLOSE_WORKING_DAYS, COMPLAINT_NO, COMPLAINT_STATUS_LABELS, complaintNo, LIMITS,
  normaliseQueryCode, overdueOn, queryCode, routeComplaint,
  type Complaint, type ComplaintInput, type ComplaintStatusView, type Overdue, type PublishedOutcome,
} from '../domain/complaint';
import { checkCreditCode, looksLikeCreditCode } from '../domain/creditCode';
import { FILING_REASON_LABELS } from '../domain/filing';
import { findUnit, JOINT_OFFICE_HOST, unitName } from '../domain/organisation';
import { addWorkingDays, isWorkingDay, MissingHolidayYear } from '../domain/workdays';
import type { Channel } from '../domain/audit';
import type { EntityDoc } from '../domain/records/entity';
import type { FilingDoc } from '../domain/records/filing';
import type { UserDoc } from '../domain/records/org';
import type { ApprovalDoc } from '../domain/records/approval';
import { loadHolidayCalendar } from './holidays';
import { hasAny, Refusal, type Caller, type Deps } from './context';
import { requireRole } from './roles';

/** Who sees every complaint: 联席办 (routes them), 司法局 (oversight) and admins; hotline staff see those they entered. */
const COUNTY_WIDE = ['office', 'justice', 'admin'] as const;
/** Who handles a complaint in the department it was routed to. */
const HANDLERS = ['official', 'leader'] as const;

export interface ComplaintView {
  complaint: Complaint;
  filing?: FilingDoc;
  filingApproval?: ApprovalDoc;
  /** The filing's inspection result status ('' when none entered yet). */
  resultStatus: string;
  overdue: Overdue;
}

/** Per department over a period (see `countsByDepartment`). */
export interface ComplaintCounts {
  /** Member unit code; '' for complaints still waiting for 联席办 to route them. */
  department: string;
  received: number;
  acknowledgedOnTime: number;
  closed: number;
  overdue: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const short = (s: string, n = 30) => (s.length > n ? `${s.slice(0, n)}…` : s);

export function complaintService(deps: Deps) {
  const { repos, now } = deps;
  const random = deps.random ?? randomBytes;
  const isWorking = (day: string) => isWorkingDay(day, loadHolidayCalendar());
  const ackDueFrom = (at: Date) => acknowledgementDue(beijingDate(at), isWorking);

  async function load(no: string): Promise<Complaint> {
    const n = no.trim().toUpperCase();
    const c = COMPLAINT_NO.test(n) ? await repos.complaints.get(n) : undefined;
    if (!c) throw new Refusal(`没有编号为“${short(no.trim())}”的投诉举报，请核对编号（如 TS2026-0001），或发送“投诉列表”查看`);
    return c;
  }

  async function audit(caller: { userId: string; channel: Channel }, action: string, c: Complaint, note: string, from?: Partial<Complaint>, to?: Partial<Complaint>) {
    const changes = Object.keys(to ?? {}).map((field) => ({
      field, from: JSON.stringify((from as Record<string, unknown> | undefined)?.[field] ?? ''), to: JSON.stringify((to as Record<string, unknown>)[field] ?? ''),
    }));
    const entries = [{ at: now(), actor: caller.userId, channel: caller.channel, action, target: `complaint:${c.complaintNo}`, changes, note }];
    // The entity's own trail (审计 <代码>) shows complaints about it too.
    if (c.creditCode) entries.push({ at: now(), actor: caller.userId, channel: caller.channel, action, target: `entity:${c.creditCode}`, changes: [], note: `投诉举报 ${c.complaintNo}：${note}` });
    await repos.audit.append(entries);
  }

  /** Writes a change over the version read, or refuses saying someone else changed it. */
  async function save(before: Complaint, patch: Partial<Complaint>): Promise<Complaint> {
    const next: Complaint = { ...before, ...patch };
    if (!(await repos.complaints.update(next, before.version))) {
      throw new Refusal(`投诉举报 ${before.complaintNo} 刚被他人处理，请发送“查看投诉 ${before.complaintNo}”查看最新状态后再试`);
    }
    return { ...next, version: before.version + 1 };
  }

  /** The registry's entity for a name or a code: a full code, or a name that matches exactly one entity (or one exactly). */
  async function findEntity(text: string): Promise<EntityDoc | undefined> {
    if (looksLikeCreditCode(text)) {
      const c = checkCreditCode(text);
      return c.ok ? repos.entities.get(c.code) : undefined;
    }
    const { total, rows } = await repos.entities.search(text, 5);
    const exact = rows.filter((r) => r.name === text);
    const pick = exact.length === 1 ? exact[0] : total === 1 ? rows[0] : undefined;
    return pick ? repos.entities.get(pick.creditCode) : undefined;
  }

  /** Who must act on it now: the department's officials and leaders, or 联席办 while unrouted. */
  async function recipients(c: Complaint): Promise<UserDoc[]> {
    const users = (await repos.org.users()).filter((u) => u.active);
    if (!c.department) return users.filter((u) => u.roles.includes('office'));
    return users.filter((u) => u.department === c.department && u.roles.some((r) => (HANDLERS as readonly string[]).includes(r)));
  }

  async function receive(input: ComplaintInput, source: Complaint['source'], by: { userId: string; channel: Channel }): Promise<{ complaint: Complaint; queryCode: string; recipients: UserDoc[] }> {
    const at = now();
    const entity = await findEntity(input.entity);
    const route = routeComplaint({ entityDepartments: entity?.departments ?? [], text: `${input.content} ${entity?.industry ?? ''} ${entity?.sectorTags.join(' ') ?? ''}` });
    const year = beijingDate(at).slice(0, 4);
    const code = queryCode(random(16));
    const complaint: Complaint = {
      complaintNo: complaintNo(year, await repos.counters.next(`complaint:${year}`)),
      source, queryHash: sha256(code), receivedAt: at, receivedBy: by.userId,
      entityText: input.entity, creditCode: entity?.creditCode ?? '', entityName: entity?.name ?? input.entity,
      content: input.content, contact: input.contact, matter: route.matter,
      department: route.department, routeNote: route.note,
      status: route.department ? 'received' : 'unrouted',
      ackDue: route.department ? ackDueFrom(at) : '',
      ...(route.department ? { routedAt: at } : {}),
      acknowledgedBy: '', filingNo: '', outcome: '', closedBy: '', version: 1,
    };
    if (!(await repos.complaints.create(complaint))) throw new Error(`complaint number ${complaint.complaintNo} taken twice`);
    await audit(by, 'complaint.receive', complaint, `${source === 'web' ? '公示网站' : '热线'}受理；${route.department ? `分派${unitName(route.department)}` : '待联席办分派'}（${route.note}）`);
    return { complaint, queryCode: code, recipients: await recipients(complaint) };
  }

  function mayView(caller: Caller, c: Complaint): void {
    if (hasAny(caller, COUNTY_WIDE) || c.receivedBy === caller.userId) return;
    if (c.department && c.department === caller.department) return;
    throw new Refusal(`投诉举报 ${c.complaintNo} ${c.department ? `由${unitName(c.department)}办理` : '待联席办分派'}，您只能查看本单位（${unitName(caller.department)}）办理的投诉举报`, 'R22');
  }

  /**
   * The complainant's contact is for those who act on the complaint: the department it is
   * routed to, 联席办, and whoever entered it; others (司法局, admins) see it withheld.
   */
  function contactFor(caller: Caller, c: Complaint): Complaint {
    const sees = caller.roles.includes('office') || c.receivedBy === caller.userId || (c.department !== '' && c.department === caller.department && hasAny(caller, HANDLERS));
    return sees || !c.contact ? c : { ...c, contact: '（仅承办部门和联席办可见）' };
  }

  function mayHandle(caller: Caller, c: Complaint, what: string): void {
    requireRole(caller, HANDLERS, what);
    if (c.department !== caller.department) {
      throw new Refusal(`投诉举报 ${c.complaintNo} ${c.department ? `由${unitName(c.department)}办理` : '尚待联席办分派'}，${unitName(caller.department)}不能${what}；如分派有误，请联系联席办改派`, 'R22');
    }
  }

  /** Overdue on `at`, or undefined; a year without holiday data is never guessed (not overdue). */
  function overdue(c: Complaint, at: Date): Overdue {
    try {
      const closeDue = c.acknowledgedAt ? addWorkingDays(beijingDate(c.acknowledgedAt), CLOSE_WORKING_DAYS, loadHolidayCalendar()) : undefined;
      const unroutedDue = c.status === 'unrouted' ? ackDueFrom(c.receivedAt) : undefined;
      return overdueOn(c, beijingDate(at), closeDue, unroutedDue);
    } catch (err) {
      if (err instanceof MissingHolidayYear) return undefined;
      throw err;
    }
  }

  return {
    overdue,
    recipients,
    /** Whether reminders go out on this Beijing day (false for a year without holiday data: never guessed). */
    isWorkingDay(day: string): boolean {
      try {
        return isWorking(day);
      } catch (err) {
        if (err instanceof MissingHolidayYear) return false;
        throw err;
      }
    },

    /** From the public site: no login; the caller is the public. Refuses bad input (nothing written). */
    async submitPublic(raw: { entity?: unknown; content?: unknown; contact?: unknown }) {
      const input = checkComplaintInput(raw);
      if (!input.ok) throw new Refusal(input.reason, 'R22');
      return receive(input.value, 'web', { userId: 'public', channel: 'web' });
    },

    /** From the chat, by 12345/12315 staff (投诉受理人员) or 联席办. */
    async submitHotline(caller: Caller, entity: string, content: string, contact = '') {
      requireRole(caller, ['hotline', 'office'], '登记投诉举报');
      const input = checkComplaintInput({ entity, content, contact });
      if (!input.ok) throw new Refusal(input.reason, 'R22');
      return receive(input.value, 'hotline', caller);
    },

    /** The department acknowledges (受理) it; a second acknowledgement changes nothing. */
    async acknowledge(caller: Caller, no: string): Promise<{ complaint: Complaint; already: boolean; onTime: boolean }> {
      const c = await load(no);
      mayHandle(caller, c, '受理该投诉举报');
      if (c.status === 'acknowledged' || c.status === 'closed') return { complaint: c, already: true, onTime: acknowledgedOnTime(c, c.acknowledgedAt && beijingDate(c.acknowledgedAt)) };
      const at = now();
      const next = await save(c, { status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: caller.userId });
      const onTime = acknowledgedOnTime(c, beijingDate(at));
      await audit(caller, 'complaint.acknowledge', next, `${unitName(c.department)}受理${onTime ? '' : `（逾期，应于${c.ackDue}前受理）`}`, c, { status: next.status });
      return { complaint: next, already: false, onTime };
    },

    /** The department says it is not theirs: back to 联席办 to route, with the reason. */
    async decline(caller: Caller, no: string, reason: string): Promise<{ complaint: Complaint; recipients: UserDoc[] }> {
      const c = await load(no);
      mayHandle(caller, c, '退回该投诉举报');
      if (c.status !== 'received') throw new Refusal(`投诉举报 ${c.complaintNo} ${COMPLAINT_STATUS_LABELS[c.status]}，已受理的不能退回；如确属他部门职责，请联系联席办改派`, 'R22');
      const why = reason.trim();
      if (why.length < 2 || why.length > 200) throw new Refusal(`请写明退回理由（2到200字），例如：退回投诉 ${c.complaintNo} 该事项属县住建局职责`);
      const next = await save(c, { status: 'unrouted', department: '', ackDue: '', routeNote: `${unitName(c.department)}退回：${why}` });
      await audit(caller, 'complaint.decline', next, `${unitName(c.department)}退回联席办：${why}`, c, { status: next.status, department: '' });
      return { complaint: next, recipients: await recipients(next) };
    },

    /** 联席办 routes (or reroutes) it to a department; the acknowledgement is due 1 working day from now. */
    async route(caller: Caller, no: string, departmentText: string, reason: string): Promise<{ complaint: Complaint; recipients: UserDoc[] }> {
      requireRole(caller, ['office'], '分派投诉举报');
      const c = await load(no);
      const unit = findUnit(departmentText);
      if (!unit) throw new Refusal(`“${short(departmentText)}”不是联席会议成员单位（R19），请用成员单位名称，如“县住建局”`);
      if (c.status === 'closed') throw new Refusal(`投诉举报 ${c.complaintNo} 已办结，不能再分派`, 'R22');
      if (c.status === 'acknowledged' && c.department === unit.code) throw new Refusal(`投诉举报 ${c.complaintNo} 已由${unit.name}受理办理中`, 'R22');
      const at = now();
      const next = await save(c, {
        status: 'received', department: unit.code, ackDue: ackDueFrom(at), routedAt: at, acknowledgedAt: undefined, acknowledgedBy: '',
        routeNote: `联席办分派${reason.trim() ? `：${short(reason.trim(), 200)}` : ''}`,
      });
      await audit(caller, 'complaint.route', next, `联席办分派${unit.name}${reason.trim() ? `：${short(reason.trim(), 200)}` : ''}`, c, { department: unit.code, status: 'received' });
      return { complaint: next, recipients: await recipients(next) };
    },

    /**
     * Links the 备案 by which the department handles it: the department's own filing, reason
     * 投诉举报 (R11, R2), about the same entity. The filing itself goes through its approval.
     */
    async linkFiling(caller: Caller, no: string, filingNo: string): Promise<{ complaint: Complaint; filing: FilingDoc }> {
      const c = await load(no);
      mayHandle(caller, c, '为该投诉举报关联备案');
      if (c.status !== 'acknowledged') throw new Refusal(`投诉举报 ${c.complaintNo} ${COMPLAINT_STATUS_LABELS[c.status]}，${c.status === 'closed' ? '已办结，不能再关联备案' : `请先发送“受理投诉 ${c.complaintNo}”受理`}`, 'R22');
      const fNo = filingNo.trim().toUpperCase();
      const filing = await repos.filings.get(fNo);
      if (!filing) throw new Refusal(`没有编号为“${short(filingNo.trim())}”的备案，请核对编号（如 BA2026-0001）；检查可先发送“备案 ${c.creditCode || '<代码或名称>'} 事由=投诉举报 …”报备`);
      if (filing.department !== c.department) throw new Refusal(`备案 ${fNo} 属于${unitName(filing.department)}，只能关联本单位的备案`, 'R22');
      if (filing.reason !== 'complaint') {
        throw new Refusal(`备案 ${fNo} 的事由是“${FILING_REASON_LABELS[filing.reason as keyof typeof FILING_REASON_LABELS] ?? filing.reason}”，投诉举报只能关联事由为“投诉举报”的备案（R11、R2 据此允许安静期内检查）`, 'R22');
      }
      if (c.creditCode && filing.creditCode !== c.creditCode) throw new Refusal(`备案 ${fNo} 检查的是${filing.entityName}，不是被投诉的${c.entityName}，请核对`, 'R22');
      const next = await save(c, { filingNo: fNo, ...(c.creditCode ? {} : { creditCode: filing.creditCode, entityName: filing.entityName }) });
      await audit(caller, 'complaint.link', next, `关联备案 ${fNo}（${filing.plannedDate} 检查 ${filing.entityName}）`, c, { filingNo: fNo });
      await repos.audit.append({ at: now(), actor: caller.userId, channel: caller.channel, action: 'complaint.link', target: `filing:${fNo}`, changes: [], note: `办理投诉举报 ${c.complaintNo}` });
      return { complaint: next, filing };
    },

    /**
     * Closes it with an outcome (published without the complainant's details). With a linked
     * filing, its inspection result must be approved first: the outcome rests on it.
     */
    async close(caller: Caller, no: string, outcome: string): Promise<Complaint> {
      const c = await load(no);
      mayHandle(caller, c, '办结该投诉举报');
      if (c.status === 'closed') throw new Refusal(`投诉举报 ${c.complaintNo} 已于 ${beijingDate(c.closedAt!)} 办结`, 'R22');
      if (c.status !== 'acknowledged') throw new Refusal(`投诉举报 ${c.complaintNo} 尚未受理，请先发送“受理投诉 ${c.complaintNo}”`, 'R22');
      const text = outcome.trim().replace(/\s+/g, ' ');
      if (text.length < LIMITS.outcomeMin || text.length > LIMITS.outcome) {
        throw new Refusal(`请写明办理结果（${LIMITS.outcomeMin}到${LIMITS.outcome}字，将在公示网站公开，请勿写投诉人信息），例如：办结投诉 ${c.complaintNo} 经现场检查，该店销售过期食品属实，已责令改正并立案查处`);
      }
      if (c.filingNo) {
        const r = await repos.results.get(c.filingNo);
        if (!r || r.status !== 'approved') {
          throw new Refusal(`投诉举报 ${c.complaintNo} 关联的备案 ${c.filingNo} 检查结果${r ? '尚未审核通过' : '尚未录入'}；请先发送“录入结果 ${c.filingNo}”并经部门领导审核，再办结`, 'R22');
        }
      }
      const next = await save(c, { status: 'closed', outcome: text, closedAt: now(), closedBy: caller.userId });
      await audit(caller, 'complaint.close', next, `办结：${short(text, 100)}`, c, { status: 'closed', outcome: text });
      return next;
    },

    async view(caller: Caller, no: string): Promise<ComplaintView> {
      const c = await load(no);
      mayView(caller, c);
      const filing = c.filingNo ? await repos.filings.get(c.filingNo) : undefined;
      const result = c.filingNo ? await repos.results.get(c.filingNo) : undefined;
      return {
        complaint: contactFor(caller, c), filing, filingApproval: c.filingNo ? await repos.approvals.get(c.filingNo) : undefined,
        resultStatus: result?.status ?? '', overdue: overdue(c, now()),
      };
    },

    /** Open complaints: the caller's department's, or (联席办, 司法局, admins, hotline) every one, unrouted first. */
    async list(caller: Caller, departmentText?: string): Promise<{ department?: string; rows: { complaint: Complaint; overdue: Overdue }[] }> {
      let department: string | undefined;
      if (departmentText?.trim()) {
        const unit = findUnit(departmentText);
        if (!unit) throw new Refusal(`“${short(departmentText)}”不是联席会议成员单位（R19），请用成员单位名称，如“县市管局”`);
        department = unit.code;
      }
      const own = !hasAny(caller, COUNTY_WIDE) && caller.roles.includes('hotline') && !hasAny(caller, HANDLERS);
      if (!hasAny(caller, COUNTY_WIDE) && !own) {
        if (department && department !== caller.department) throw new Refusal(`您只能查看本单位（${unitName(caller.department)}）的投诉举报；全县的由联席办、司法局查看`, 'R22');
        department = caller.department;
      }
      const at = now();
      const rows = (await repos.complaints.open())
        .filter((c) => (!department || c.department === department) && (!own || c.receivedBy === caller.userId))
        .sort((a, b) => Number(Boolean(a.department)) - Number(Boolean(b.department)) || a.complaintNo.localeCompare(b.complaintNo))
        .map((complaint) => ({ complaint, overdue: overdue(complaint, at) }));
      return { department, rows };
    },

    /**
     * What waits for the caller (待办): complaints routed to their department and not yet
     * acknowledged (officials and leaders), and for 联席办 those waiting to be routed (R22).
     */
    async waitingFor(caller: Caller): Promise<{ toAcknowledge: Complaint[]; toRoute: Complaint[] }> {
      const handles = hasAny(caller, HANDLERS);
      const routes = caller.roles.includes('office');
      if (!handles && !routes) return { toAcknowledge: [], toRoute: [] };
      const open = await repos.complaints.open();
      return {
        toAcknowledge: handles ? open.filter((c) => c.status === 'received' && c.department === caller.department) : [],
        toRoute: routes ? open.filter((c) => c.status === 'unrouted') : [],
      };
    },

    /** The complainant's look-up: number and query code; undefined unless both match (which of them is not said). */
    async lookup(no: string, code: string): Promise<ComplaintStatusView | undefined> {
      const n = no.trim().toUpperCase();
      const c = COMPLAINT_NO.test(n) ? await repos.complaints.get(n) : undefined;
      const given = Buffer.from(sha256(normaliseQueryCode(code)), 'hex');
      const stored = Buffer.from(c?.queryHash ?? '0'.repeat(64), 'hex');
      if (!c || stored.length !== given.length || !timingSafeEqual(stored, given)) return undefined;
      return {
        complaintNo: c.complaintNo, receivedOn: beijingDate(c.receivedAt), status: COMPLAINT_STATUS_LABELS[c.status],
        department: c.department ? unitName(c.department) : '联席办（分派中）',
        acknowledgedOn: c.acknowledgedAt ? beijingDate(c.acknowledgedAt) : '', closedOn: c.closedAt ? beijingDate(c.closedAt) : '', outcome: c.outcome,
      };
    },

    /** Closed complaints of a year (by receipt), newest closed first, as the public site shows them: no contact, no complainant's words. */
    async published(year: number): Promise<PublishedOutcome[]> {
      return (await repos.complaints.forYears([year]))
        .filter((c) => c.status === 'closed' && c.closedAt)
        .sort((a, b) => b.closedAt!.getTime() - a.closedAt!.getTime())
        .map((c) => ({
          complaintNo: c.complaintNo, receivedOn: beijingDate(c.receivedAt), closedOn: beijingDate(c.closedAt!),
          entityName: c.entityName, matter: c.matter || '其他', department: unitName(c.department), outcome: c.outcome, filingNo: c.filingNo,
        }));
    },

    /** Every open complaint overdue on `at` (for 联席办's weekly list and the departments' reminders). */
    async overdueList(at: Date): Promise<{ complaint: Complaint; overdue: Exclude<Overdue, undefined> }[]> {
      const out: { complaint: Complaint; overdue: Exclude<Overdue, undefined> }[] = [];
      for (const c of await repos.complaints.open()) {
        const o = overdue(c, at);
        if (o) out.push({ complaint: c, overdue: o });
      }
      return out;
    },

    /**
     * For statistics: per department, the complaints received from `from` to `to` (Beijing dates,
     * inclusive) and, as of `at` (default now), how many of them were acknowledged on time (by the
     * end of the working day after routing), are closed, and are overdue now (open and past the
     * acknowledgement or the closing deadline). Complaints still waiting for 联席办 count under
     * department ''. Sorted by department code, '' first.
     */
    async countsByDepartment(period: { from: string; to: string }, at: Date = now()): Promise<ComplaintCounts[]> {
      const years: number[] = [];
      for (let y = Number(period.from.slice(0, 4)); y <= Number(period.to.slice(0, 4)); y++) years.push(y);
      const rows = new Map<string, ComplaintCounts>();
      for (const c of await repos.complaints.forYears(years)) {
        const day = beijingDate(c.receivedAt);
        if (day < period.from || day > period.to) continue;
        const row = rows.get(c.department) ?? { department: c.department, received: 0, acknowledgedOnTime: 0, closed: 0, overdue: 0 };
        row.received++;
        if (acknowledgedOnTime(c, c.acknowledgedAt && beijingDate(c.acknowledgedAt))) row.acknowledgedOnTime++;
        if (c.status === 'closed') row.closed++;
        if (overdue(c, at)) row.overdue++;
        rows.set(c.department, row);
      }
      return [...rows.values()].sort((a, b) => a.department.localeCompare(b.department));
    },

    /** The public form's signing key, shared by every process (made once). */
    formKey: () => repos.complaints.formKey(random(32).toString('hex')),
    /**
     * One more request from an address (already digested by the caller) for `what` in the
     * current hour; returns how many it made this hour, across every server process.
     */
    async countHit(what: string, addressDigest: string): Promise<number> {
      const hour = Math.floor(now().getTime() / 3600_000);
      return repos.complaints.hit(`${what}:${addressDigest}:${hour}`, new Date((hour + 2) * 3600_000));
    },
    purgeGate: () => repos.complaints.purgeGate(now()),

    /** 联席办's members (the weekly overdue list goes to them). */
    officeMembers: async () => (await repos.org.users()).filter((u) => u.active && u.department === JOINT_OFFICE_HOST && u.roles.includes('office')),
  };
}

export type ComplaintService = ReturnType<typeof complaintService>;
