/** An approval request as services see it (stored in `approvals`, _id = the subject's number). */
import type { Approval } from '../approval';

export interface ApprovalDoc extends Approval {
  /** The subject's number (also the _id). */
  subject: string;
  title: string;
  requesterDepartment: string;
  remindedAt?: Date;
  /** The card's rows: what the decider needs to see. */
  fields: { label: string; value: string }[];
  /** What a reviewer must look at (e.g. R13 duplicates). */
  flags: string[];
}
