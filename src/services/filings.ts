/**
 * Out-of-period filings (备案, R2, R10, R11): decide whether an inspection
 * outside the double-random draw needs filing, may happen at all, or is
 * refused; check the team (R8a: two enforcement officers with a valid
 * certificate, nobody with a conflict); number and store an accepted filing
 * and send it through its approval (department leader confirms → 联席办 →
 * 司法局 record it). Every write is audited (R20). Nothing is written before
 * the official submits: the chat keeps the draft.
 */
import { addDays, beijingDate, isCalendarDay } from '../domain/calendar';
import { checkCreditCode, looksLikeCreditCode } from '../domain/creditCode';
import { bad, ok, short, type Parsed } from '../domain/fields';
import { decideFiling, FILING_REASON_LABELS, type FilingDecision, type FilingReason } from '../domain/filing';
import { certificateValidOn, isEnforcementOfficer } from '../domain/inspector';
import { findUnit, JOINT_OFFICE_HOST, JUSTICE_DEPT, unitName } from '../domain/organisation';
import { POOL_LABELS } from '../domain/pools';
import type { StepSpec } from '../domain/approval';
import type { RuleId } from '../domain/rules';
import { notEditableWords } from '../domain/status';
import type { ApprovalDoc } from '../domain/records/approval';
import type { EntityDoc, EntityListing } from '../domain/records/entity';
import type { InspectorDoc } from '../domain/records/directory';
import type { FilingDoc } from '../domain/records/filing';
import type { ApprovalChange, ApprovalService } from './approvals';
import { DEFAULT_POLICY } from './policy';
import { requireRole } from './roles';
import { hasAny, Refusal, type Caller, type Deps } from './context';

/**
 * Who may file: a member unit's officials and leaders, and its inspectors — the
 * people who receive a complaint or an assignment in the field. The department
 * leader confirms every filing before it goes to 联席办 and 司法局, so the
 * department stays answerable for it (R20).
 */
export const FILING_ROLES = ['official', 'leader', 'inspector'] as const;
/** Who sees every department's filings: the two recipients (R2, R11) and admins. */
const COUNTY_WIDE_ROLES = ['office', 'justice', 'admin'] as const;

/** A filing may be made for a visit already done, within this many days (an emergency cannot wait for a form). */
export const MAX_DAYS_BACK = 30;
/** ...and for a visit planned at most this many days ahead. */
export const MAX_DAYS_AHEAD = 366;

export const FILING_STEPS = (department: string): StepSpec[] => [
  { role: 'leader', department, label: '部门领导确认' },
  { role: 'office', department: JOINT_OFFICE_HOST, label: '联席办备案登记（R2、R11）' },
  { role: 'justice', department: JUSTICE_DEPT, label: '司法局备案登记（R2、R11）' },
];

export const FILING_NO = /^BA\d{4}-\d{4,}$/i;

export interface FilingDraft {
  creditCode: string;
  /** The official's own words ("消防安全投诉"); the decision parses them. */
  reason: string;
  /** 'YYYY-MM-DD' */
  day: string;
  /** Inspector numbers of the caller's department. */
  officers: string[];
  description: string;
}

export type EntityMatch =
  | { kind: 'one'; entity: EntityDoc }
  | { kind: 'many'; total: number; rows: EntityListing[] }
  | { kind: 'none'; message: string };

export interface FilingView {
  filing: FilingDoc;
  approval?: ApprovalDoc;
}

const MAX_DESCRIPTION_CHARS = 500;
const MIN_DESCRIPTION_CHARS = 4;

export function filingService(deps: Deps, approvals: ApprovalService) {
  const { repos, now } = deps;
  const calendar = () => (deps.policy ?? DEFAULT_POLICY).calendar;
  const today = () => beijingDate(now());

  function mayFile(caller: Caller): void {
    requireRole(caller, FILING_ROLES, '报备检查（R2、R11）', { who: '成员单位的经办人、部门领导或执法检查人员' });
  }

  /** The planned day must be near: at most MAX_DAYS_BACK days ago, at most MAX_DAYS_AHEAD ahead. */
  function plannedDay(day: string): Parsed<string> {
    const t = today();
    if (!isCalendarDay(day)) return bad(`“${short(day)}”不是有效日期，请写成 ${t.slice(0, 4)}-10-12`);
    if (day < addDays(t, -MAX_DAYS_BACK)) return bad(`${day} 已过去${MAX_DAYS_BACK}天以上，不能再补报备案；请输入计划检查日期，如 ${addDays(t, 7)}`);
    if (day > addDays(t, MAX_DAYS_AHEAD)) return bad(`${day} 太远，只能报备一年内的检查；请输入计划检查日期，如 ${addDays(t, 7)}`);
    return ok(day);
  }

  /** By full credit code, or by part of the name. */
  async function findEntity(query: string, limit: number): Promise<EntityMatch> {
    const q = query.trim();
    const example = '请输入统一社会信用代码（18位）或名称中的几个字，例如 91361129MA35GK1L7T 或“华达”';
    if (!q) return { kind: 'none', message: example };
    if (looksLikeCreditCode(q)) {
      const check = checkCreditCode(q);
      if (!check.ok) return { kind: 'none', message: `${check.reason}。${example}` };
      const entity = await repos.entities.get(check.code);
      return entity ? { kind: 'one', entity } : { kind: 'none', message: `检查对象库中没有统一社会信用代码为 ${check.code} 的主体，请核对。${example}` };
    }
    if (q.length > 50) return { kind: 'none', message: `名称关键词过长。${example}` };
    const { total, rows } = await repos.entities.search(q, limit);
    const one = total === 1 ? await repos.entities.get(rows[0].creditCode) : undefined;
    if (total === 0 || (total === 1 && !one)) return { kind: 'none', message: `检查对象库中没有名称含“${short(q)}”的主体。${example}` };
    if (one) return { kind: 'one', entity: one };
    return { kind: 'many', total, rows };
  }

  function decide(pool: EntityDoc['pool'], day: string, reason: string): FilingDecision {
    return decideFiling({ pool, day, reason }, calendar());
  }

  /**
   * Resolves names or inspector numbers in the caller's department. Returns the
   * inspectors, or a reason naming what was not found or is ambiguous.
   */
  async function resolveOfficers(caller: Caller, words: string[]): Promise<Parsed<InspectorDoc[]>> {
    if (words.length === 0) return bad('请输入检查人员的姓名或人员编号，至少两名执法人员，用“、”分隔，例如：王执法、李执法');
    const staff = await repos.inspectors.byDepartment(caller.department);
    const found: InspectorDoc[] = [];
    for (const w of words) {
      const byNo = staff.find((p) => p.inspectorNo.toLowerCase() === w.toLowerCase());
      const byName = staff.filter((p) => p.name === w);
      if (byNo) found.push(byNo);
      else if (byName.length === 1) found.push(byName[0]);
      else if (byName.length > 1) return bad(`本单位有${byName.length}名“${short(w)}”（${byName.map((p) => p.inspectorNo).join('、')}），请改用人员编号`);
      else return bad(`“${short(w)}”不在${unitName(caller.department)}的执法检查人员名录中（R7），请核对姓名或人员编号；发送“取消”后可用“人员”命令查看名录`);
    }
    const unique = [...new Map(found.map((p) => [p.inspectorNo, p])).values()];
    return ok(unique);
  }

  /**
   * R8a: at least two enforcement officers with a certificate valid on the day;
   * experts advise and do not count (R7); nobody off duty; nobody with a declared
   * conflict with the entity (回避). Returns the problem naming who, or undefined.
   */
  function teamProblem(team: InspectorDoc[], creditCode: string, day: string): { rule: RuleId; message: string } | undefined {
    const conflicted = team.filter((p) => p.conflicts.includes(creditCode));
    if (conflicted.length) {
      return { rule: 'R8a', message: `依据规则 R8a（回避）：${conflicted.map((p) => `${p.name}（${p.inspectorNo}）`).join('、')}已登记须回避该主体，不能参加本次检查，请换人` };
    }
    const offDuty = team.filter((p) => !p.active);
    if (offDuty.length) {
      return { rule: 'R8a', message: `依据规则 R8a：${offDuty.map((p) => `${p.name}（${p.inspectorNo}）`).join('、')}已不在岗，不能参加检查，请换人` };
    }
    const counted = team.filter((p) => isEnforcementOfficer(p) && certificateValidOn(p, day));
    if (counted.length >= 2) return undefined;
    const why = team.filter((p) => !counted.includes(p)).map((p) => {
      if (p.kind === 'expert') return `${p.name}是专家，只能辅助检查，不计入执法人员（R7）`;
      if (!isEnforcementOfficer(p)) return `${p.name}没有执法证`;
      return `${p.name}的执法证${p.certificateExpiry ? `有效期至 ${p.certificateExpiry}` : '未登记有效期'}，${day} 已失效`;
    });
    const have = counted.length ? `符合条件的只有${counted.map((p) => p.name).join('、')}` : '没有符合条件的执法人员';
    return {
      rule: 'R8a',
      message: `依据规则 R8a：检查须有至少两名持有效执法证的执法人员，${have}${why.length ? `；${why.join('；')}` : ''}。请补充或更换人员`,
    };
  }

  /** Everything a draft must pass, checked again at submission (the pool, a certificate or a conflict may have changed). */
  async function check(caller: Caller, draft: FilingDraft) {
    mayFile(caller);
    const day = plannedDay(draft.day);
    if (!day.ok) throw new Refusal(day.reason);
    const entity = await repos.entities.get(draft.creditCode);
    if (!entity) throw new Refusal(`检查对象库中没有统一社会信用代码为 ${draft.creditCode} 的主体`);
    const decision = decide(entity.pool, day.value, draft.reason);
    if (decision.kind !== 'needed') throw new Refusal(decision.kind === 'not_needed' ? `${decision.message}，未提交` : decision.message, decision.kind === 'refused' ? decision.rule : undefined);
    const team = await resolveOfficers(caller, draft.officers);
    if (!team.ok) throw new Refusal(team.reason);
    const problem = teamProblem(team.value, entity.creditCode, day.value);
    if (problem) throw new Refusal(problem.message, problem.rule);
    const description = draft.description.trim();
    if (description.length < MIN_DESCRIPTION_CHARS || description.length > MAX_DESCRIPTION_CHARS) {
      throw new Refusal(`情况说明须${MIN_DESCRIPTION_CHARS}到${MAX_DESCRIPTION_CHARS}字`);
    }
    return { entity, day: day.value, decision, team: team.value, description };
  }

  /** A returned filing of the caller's department, with its approval and the version an edit starts from. */
  async function editable(caller: Caller, filingNo: string): Promise<{ filing: FilingDoc; approval: ApprovalDoc; version: number }> {
    mayFile(caller);
    const no = filingNo.trim().toUpperCase();
    const filing = await repos.filings.get(no);
    if (!filing) throw new Refusal(`没有编号为“${short(filingNo.trim())}”的备案，请核对编号（如 BA2026-0001），或发送“备案列表”查看`);
    if (filing.department !== caller.department) throw new Refusal(`备案 ${no} 属于${unitName(filing.department)}，只能由该单位修改`);
    const approval = await approvals.get(no);
    if (!approval || approval.status !== 'rejected') {
      throw new Refusal(`备案 ${no} ${notEditableWords(approval?.status ?? 'pending', '已备案登记')}，不能修改；只有被退回的备案可以修改后重新提交`);
    }
    return { filing, approval, version: filing.version ?? 1 };
  }

  function mayView(caller: Caller, department: string): void {
    if (!hasAny(caller, COUNTY_WIDE_ROLES) && caller.department !== department) {
      throw new Refusal(`您只能查看本单位（${unitName(caller.department)}）的备案；全县备案由联席办、司法局查看`);
    }
  }

  return {
    today,
    mayFile,
    editable,
    plannedDay,
    findEntity,
    decide,
    resolveOfficers,
    teamProblem,

    /**
     * Numbers, stores and sends an accepted filing into its approval; or, with `edit` (its number and
     * the version the edit started from), stores a returned filing edited and sends it again.
     * Refuses (nothing written) if any check fails.
     */
    async submit(caller: Caller, draft: FilingDraft, edit?: { filingNo: string; version: number }): Promise<{ filing: FilingDoc; change: ApprovalChange }> {
      const { entity, day, decision, team, description } = await check(caller, draft);
      if (decision.kind !== 'needed') throw new Error('unreachable');
      const at = now();
      const before = edit ? await editable(caller, edit.filingNo) : undefined;
      const year = beijingDate(at).slice(0, 4);
      await approvals.ensureStaffed(FILING_STEPS(caller.department), caller); // R20: refused before anything is written
      const filingNo = before ? before.filing.filingNo : `BA${year}-${String(await repos.counters.next(`filing:${year}`)).padStart(4, '0')}`;
      const reason: FilingReason = decision.reason;
      const filing: FilingDoc = {
        filingNo,
        month: day.slice(0, 7),
        department: caller.department,
        creditCode: entity.creditCode,
        entityName: entity.name,
        pool: entity.pool,
        reason,
        plannedDate: day,
        officers: team.map((p) => p.inspectorNo),
        description,
        rules: decision.rules,
        createdBy: before ? before.filing.createdBy : caller.userId,
        createdAt: before ? before.filing.createdAt : at,
        ...(before ? { version: edit!.version + 1, updatedBy: caller.userId, updatedAt: at } : {}),
      };
      if (!before) await repos.filings.create(filing);
      else if (!(await repos.filings.update(filing, edit!.version))) {
        throw new Refusal(`备案 ${filingNo} 已被他人修改，您的修改没有保存，以免覆盖对方。请发送“查看备案 ${filingNo}”查看最新内容后再改`);
      }
      await repos.audit.append({
        at, actor: caller.userId, channel: caller.channel, action: before ? 'filing.resubmit' : 'filing.submit', target: `filing:${filing.filingNo}`,
        changes: [], note: `${entity.name}（${entity.creditCode}，${entity.pool}类）${day} ${FILING_REASON_LABELS[reason]}，${decision.rules.join('、')}`,
      });
      const officerLine = team.map((p) => `${p.name}（${p.inspectorNo}${isEnforcementOfficer(p) ? `，执法证至${p.certificateExpiry}` : '，专家'}）`).join('、');
      const change = await (before ? approvals.reopen.bind(approvals) : approvals.open)({
        kind: 'filing',
        subject: filing.filingNo,
        title: `${unitName(filing.department)} ${day} 检查 ${entity.name}（${FILING_REASON_LABELS[reason]}）`,
        requester: caller,
        steps: FILING_STEPS(filing.department),
        fields: [
          { label: '检查对象', value: `${entity.name}（${entity.creditCode}，${POOL_LABELS[entity.pool]}）` },
          { label: '事由', value: FILING_REASON_LABELS[reason] },
          { label: '计划检查日期', value: day },
          { label: '检查人员', value: officerLine },
          { label: '情况说明', value: description },
          { label: '依据', value: decision.message.split('。')[0] },
        ],
        flags: entity.pool === 'A' ? [`A类联合监管库主体：检查结束后，检查表须报联席办和司法局备案（R2）`] : [],
      });
      return { filing, change };
    },

    /** A month's filings ('YYYY-MM', by planned date), of one department or — for 联席办, 司法局, admins — all. */
    async list(caller: Caller, month: string, departmentText?: string): Promise<{ department?: string; views: FilingView[] }> {
      let department: string | undefined;
      if (departmentText) {
        const unit = findUnit(departmentText);
        if (!unit) throw new Refusal(`“${short(departmentText)}”不是联席会议成员单位（R19），请用成员单位名称，如“县市管局”`);
        department = unit.code;
      }
      if (!hasAny(caller, COUNTY_WIDE_ROLES)) {
        if (department && department !== caller.department) mayView(caller, department);
        department = caller.department;
      }
      const filings = await repos.filings.forMonth(month, department);
      const states = new Map((await approvals.many(filings.map((f) => f.filingNo))).map((a) => [a.subject, a]));
      return { department, views: filings.map((filing) => ({ filing, approval: states.get(filing.filingNo) })) };
    },

    async view(caller: Caller, filingNo: string): Promise<FilingView & { officers: InspectorDoc[] }> {
      const no = filingNo.trim().toUpperCase();
      const filing = await repos.filings.get(no);
      if (!filing) throw new Refusal(`没有编号为“${short(filingNo.trim())}”的备案，请核对编号（如 BA2026-0001），或发送“备案列表”查看`);
      mayView(caller, filing.department);
      const officers = (await Promise.all(filing.officers.map((n) => repos.inspectors.get(n)))).filter((p): p is InspectorDoc => p !== undefined);
      return { filing, approval: await approvals.get(no), officers };
    },
  };
}

export type FilingService = ReturnType<typeof filingService>;
