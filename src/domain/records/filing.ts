/** An out-of-period filing (R2, R11) as services see it (stored in `filings`). */
import type { Pool } from '../pools';

export interface FilingDoc {
  filingNo: string;
  month: string;
  department: string;
  creditCode: string;
  entityName: string;
  pool: Pool;
  reason: string;
  plannedDate: string;
  officers: string[];
  description: string;
  rules: string[];
  createdBy: string;
  createdAt: Date;
  /** Counts edits of a returned filing (修改备案); absent on a filing never edited (version 1). */
  version?: number;
  updatedBy?: string;
  updatedAt?: Date;
}
