/**
 * C-pool coverage (R4), pure: every C entity is inspected at least once a
 * calendar year by the unit that proposed it. An approved inspection counts —
 * a drawn task's result or an approved 备案 with a result — when its last day
 * falls in the year and the responsible unit took part in it. A drawn task of
 * the year that the unit takes part in and whose result is not approved yet
 * makes the entity "planned". Also the periods the coverage reminders fire in,
 * as Beijing dates ('YYYY-MM-DD'): the first week of each quarter, every week
 * from 1 November, and the year-end summary.
 */

/** A C entity and the units answerable for its yearly inspection. */
export interface CEntity {
  code: string;
  name: string;
  /**
   * The unit that proposed the C placement; when none is recorded (placed by an import),
   * every supervising unit of the entity answers for it.
   */
  responsible: readonly string[];
}

/** An approved inspection of an entity (a task's result or a filing's). */
export interface CInspection {
  code: string;
  departments: readonly string[];
  /** Last day of the inspection, Beijing date. */
  end: string;
  taskNo: string;
}

/** A drawn task not yet finished (its result not approved). */
export interface CPlannedTask {
  code: string;
  year: number;
  departments: readonly string[];
  taskNo: string;
}

export interface CCoverageRow {
  department: string;
  total: number;
  inspected: { entity: CEntity; taskNo: string; end: string }[];
  planned: { entity: CEntity; taskNo: string }[];
  uncovered: CEntity[];
}

/** Per responsible unit: its C entities, those inspected this year, planned, and not yet covered. */
export function cCoverage(year: number, entities: readonly CEntity[], inspections: readonly CInspection[], open: readonly CPlannedTask[]): CCoverageRow[] {
  const y = String(year);
  const doneBy = new Map<string, CInspection[]>();
  for (const i of inspections) if (i.end.slice(0, 4) === y) doneBy.set(i.code, [...(doneBy.get(i.code) ?? []), i]);
  const openBy = new Map<string, CPlannedTask[]>();
  for (const t of open) if (t.year === year) openBy.set(t.code, [...(openBy.get(t.code) ?? []), t]);
  const rows = new Map<string, CCoverageRow>();
  const row = (d: string) => {
    let r = rows.get(d);
    if (!r) rows.set(d, (r = { department: d, total: 0, inspected: [], planned: [], uncovered: [] }));
    return r;
  };
  for (const e of entities) {
    for (const d of e.responsible) {
      const r = row(d);
      r.total++;
      const done = (doneBy.get(e.code) ?? []).filter((i) => i.departments.includes(d)).sort((a, b) => (a.end < b.end ? -1 : 1))[0];
      if (done) {
        r.inspected.push({ entity: e, taskNo: done.taskNo, end: done.end });
        continue;
      }
      const task = (openBy.get(e.code) ?? []).find((t) => t.departments.includes(d));
      if (task) r.planned.push({ entity: e, taskNo: task.taskNo });
      else r.uncovered.push(e);
    }
  }
  return [...rows.values()];
}

/** Which coverage reminder a day falls in, with a key naming its period (one send per period). */
export type CoverageReminder =
  | { kind: 'quarter'; year: number; key: string }
  | { kind: 'weekly'; year: number; key: string }
  | { kind: 'summary'; year: number; key: string };

/** Days since 1970-01-01 of a Beijing date. */
const dayNumber = (day: string) => Math.floor(Date.parse(`${day}T00:00:00Z`) / 86400_000);

/**
 * The reminders due on a day: in the first 7 days of January, April, July and October the
 * quarter's reminder; from 1 November every week (weeks counted from 1 November) the
 * remaining list; from 31 December to 15 January the year-end summary of the year.
 */
export function coverageRemindersDue(day: string): CoverageReminder[] {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  const date = Number(day.slice(8, 10));
  const out: CoverageReminder[] = [];
  if ([1, 4, 7, 10].includes(month) && date <= 7) out.push({ kind: 'quarter', year, key: `ccov-q:${year}-Q${(month + 2) / 3}` });
  if (month >= 11) {
    const week = Math.floor((dayNumber(day) - dayNumber(`${year}-11-01`)) / 7) + 1;
    out.push({ kind: 'weekly', year, key: `ccov-w:${year}-W${week}` });
  }
  if (month === 12 && date === 31) out.push({ kind: 'summary', year, key: `ccov-s:${year}` });
  if (month === 1 && date <= 15) out.push({ kind: 'summary', year: year - 1, key: `ccov-s:${year - 1}` });
  return out;
}
