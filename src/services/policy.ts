/**
 * The county's settings for plans and approvals. R10's months, the R6 risk
 * policy and the timeouts have defaults; a county changes them in configuration.
 */
import { R10_CALENDAR, type CalendarConfig, type Month } from '../domain/calendar';
import { DEFAULT_RISK_POLICY, parseRiskPolicy, type RiskPolicy } from '../domain/plan';

export interface Policy {
  calendar: CalendarConfig;
  riskPolicy: RiskPolicy;
  /** A guided conversation left unanswered this long expires. */
  conversationMinutes: number;
  /** An approval step that waited more working days than this gets a reminder. */
  remindAfterWorkingDays: number;
  /** More tasks than this for one officer in one window draws a fairness warning at preview and commitment. */
  maxTasksPerOfficer: number;
  /** A task's result is due this many working days after its window ends (10 when absent). */
  resultDueWorkingDays?: number;
  /** R15: results are public at approval (`auto`) or when the department sends 公示 (`manual`). */
  publicationMode?: 'auto' | 'manual';
}

export const DEFAULT_POLICY: Policy = {
  calendar: R10_CALENDAR,
  riskPolicy: DEFAULT_RISK_POLICY,
  conversationMinutes: 30,
  remindAfterWorkingDays: 2,
  maxTasksPerOfficer: 30,
  resultDueWorkingDays: 10,
};

/** A configuration value that cannot be used; `key` names the variable. */
export class PolicyError extends Error {
  constructor(readonly key: string, message: string) {
    super(message);
  }
}

const MONTHS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

/** {"2027":{"B":[6,10]}} → per-year months; throws PolicyError with a reason. */
export function parseInspectionMonths(raw: string): CalendarConfig['years'] {
  const fail = (why: string) => new PolicyError('INSPECTION_MONTHS', `${why}; expected JSON such as {"2027":{"A":[6],"B":[6,10]}}`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw fail('is not valid JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw fail('must be an object by year');
  const years: NonNullable<CalendarConfig['years']> = {};
  for (const [year, v] of Object.entries(json as Record<string, unknown>)) {
    if (!/^20\d\d$/.test(year)) throw fail(`"${year}" is not a year`);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw fail(`${year} must map A and/or B to months`);
    const entry: Partial<Record<'A' | 'B', Month[]>> = {};
    for (const [pool, months] of Object.entries(v as Record<string, unknown>)) {
      if (pool !== 'A' && pool !== 'B') throw fail(`${year}: only A and B have windows (C is never restricted, R10)`);
      if (!Array.isArray(months) || months.length === 0 || !months.every((m) => MONTHS.has(m as number))) throw fail(`${year}.${pool} must be a list of months 1–12`);
      entry[pool] = [...new Set(months as Month[])].sort((a, b) => a - b);
    }
    years[Number(year)] = entry;
  }
  return years;
}

/** The policy from configuration values; throws PolicyError naming the variable. */
export function policyFrom(c: {
  CONVERSATION_MINUTES?: number; APPROVAL_REMIND_WORKING_DAYS?: number; INSPECTION_MONTHS?: string; RISK_POLICY?: string;
  MAX_TASKS_PER_OFFICER?: number; RESULT_DUE_WORKING_DAYS?: number; PUBLICATION_MODE?: 'auto' | 'manual';
}): Policy {
  let riskPolicy = DEFAULT_RISK_POLICY;
  if (c.RISK_POLICY) {
    let json: unknown;
    try {
      json = JSON.parse(c.RISK_POLICY);
    } catch {
      throw new PolicyError('RISK_POLICY', 'is not valid JSON');
    }
    const parsed = parseRiskPolicy(json);
    if (!parsed.ok) throw new PolicyError('RISK_POLICY', parsed.reason);
    riskPolicy = parsed.value;
  }
  return {
    calendar: c.INSPECTION_MONTHS ? { ...R10_CALENDAR, years: parseInspectionMonths(c.INSPECTION_MONTHS) } : R10_CALENDAR,
    riskPolicy,
    conversationMinutes: c.CONVERSATION_MINUTES ?? DEFAULT_POLICY.conversationMinutes,
    remindAfterWorkingDays: c.APPROVAL_REMIND_WORKING_DAYS ?? DEFAULT_POLICY.remindAfterWorkingDays,
    maxTasksPerOfficer: c.MAX_TASKS_PER_OFFICER ?? DEFAULT_POLICY.maxTasksPerOfficer,
    resultDueWorkingDays: c.RESULT_DUE_WORKING_DAYS ?? DEFAULT_POLICY.resultDueWorkingDays,
    publicationMode: c.PUBLICATION_MODE ?? 'auto',
  };
}
