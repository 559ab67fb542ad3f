/** A submitted plan as services see it (stored in `plans`, guarded by `version`). */
import type { PlanDraft } from '../plan';

export interface PlanDoc extends PlanDraft {
  planNo: string;
  predictedTargets: number;
  /** Plans this one overlaps (R13), flagged to the 联席办 reviewer. */
  duplicates: string[];
  createdBy: string;
  createdAt: Date;
  updatedBy: string;
  updatedAt: Date;
  version: number;
}
