/** An inspection task as services see it (stored in `tasks`, numbered per department and year). */
import type { TaskPart } from '../task';

export interface TaskDoc {
  taskNo: string;
  year: number;
  /** The department whose series numbered the task (the lead when it was made). */
  issuer: string;
  lead: string;
  departments: string[];
  creditCode: string;
  entityName: string;
  drawNos: string[];
  planNos: string[];
  officers: string[];
  items: string[];
  window: { from: string; to: string };
  /** Each draw's share, earliest first. */
  parts: TaskPart[];
  status: 'open' | 'cancelled';
  createdAt: Date;
  updatedAt: Date;
  cancelledAt?: Date;
  cancelReason: string;
  version: number;
}

export interface NewTask {
  taskNo: string;
  year: number;
  issuer: string;
  creditCode: string;
  entityName: string;
  parts: TaskPart[];
  at: Date;
}

/** A year, or every task whose window ends on or after a day ('YYYY-MM-DD'). */
export type TaskPeriod = { year: number } | { endingFrom: string };
