/** Record types of the pools' year (R5, R6): an adjustment's header, an A-pool application, a credit-risk class entry and change. */

export const ADJUSTMENT_STATUSES = ['draft', 'applying', 'applied'] as const;
export const POOL_APPLICATION_KINDS = ['apply', 'recommend'] as const;
export const POOL_APPLICATION_STATUSES = ['open', 'used'] as const;

export interface AdjustmentHeader {
  /** TZ<年度>. */
  id: string;
  year: number;
  status: (typeof ADJUSTMENT_STATUSES)[number];
  /** The last applied adjustment's time this one starts from (none for the first). */
  since?: Date;
  createdBy: string;
  createdAt: Date;
  total: number;
  chunks: number;
  /** Lines per source. */
  counts: Record<string, number>;
  /** Line numbers 联席办 rejected. */
  rejected: number[];
  rejectNote: string;
  appliedBy: string;
  appliedAt?: Date;
  applied: number;
  version: number;
}

/** A member unit's application (its supervised entity) or recommendation for the A pool (R5). */
export interface PoolApplication {
  creditCode: string;
  kind: (typeof POOL_APPLICATION_KINDS)[number];
  department: string;
  reason: string;
  by: string;
  at: Date;
  status: (typeof POOL_APPLICATION_STATUSES)[number];
}

/** One credit-risk classification of an entity (R6), as published. */
export interface RiskClassEntry {
  riskClass: string;
  /** The class as the file wrote it (低, A, 信用风险低, …). */
  written: string;
  date: string;
  source: string;
  importedAt: string;
  by: string;
}

/** A change of an entity's class, for the next pool adjustment. */
export interface RiskChange {
  creditCode: string;
  from: string;
  to: string;
  date: string;
  source: string;
  at: Date;
}
