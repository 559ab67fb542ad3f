/** Inspection results, their follow-ups (R14), each entity's history (R16) and risk proposals (R17) as services see them. */
import type { Handling, ItemFinding, ResultForm } from '../result';

/** One department's share of the form: its items, who entered them and when. */
export interface ResultPart {
  findings: ItemFinding[];
  by: string;
  byName: string;
  at: string;
  /** Evidence files (images, documents) kept with the result: file ids and their SHA-256. */
  evidence: { name: string; sha256: string; bytes: number }[];
}

/** An approved version replaced by a correction (R20): kept whole, with why it was corrected. */
export interface EarlierResult {
  round: number;
  form?: ResultForm;
  parts: Record<string, ResultPart>;
  approvedAt?: string;
  correctedBy: string;
  correctedAt: string;
  reason: string;
}

export type ResultStatus = 'draft' | 'pending' | 'returned' | 'approved';

export interface ResultDoc {
  taskNo: string;
  source: 'task' | 'filing';
  lead: string;
  departments: string[];
  creditCode: string;
  entityName: string;
  window: { from: string; to: string };
  status: ResultStatus;
  form?: ResultForm;
  parts: Record<string, ResultPart>;
  earlier: EarlierResult[];
  correctionReason: string;
  /** 1 for the first version; each correction adds one. */
  round: number;
  submittedBy: string;
  submittedAt?: Date;
  approvedAt?: Date;
  openFollowUps: number;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** A problem's handling followed until closed (R14). */
export interface FollowUpDoc {
  id: string;
  taskNo: string;
  n: number;
  creditCode: string;
  entityName: string;
  department: string;
  itemKey: string;
  problem: string;
  handling: Handling;
  /** The department that must act now: the inspecting one, or the one a transfer went to. */
  owner: string;
  /** awaiting: a transfer not yet accepted. */
  status: 'open' | 'awaiting' | 'closed';
  due: string;
  extended: boolean;
  extensionReason: string;
  acceptedBy: string;
  acceptedAt?: Date;
  review?: { start: string; end: string; outcome: string; by: string; byName: string };
  closedBy: string;
  closedAt?: Date;
  remindedOn: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** One approved inspection of an entity, as every department sees it (R16). */
export interface HistoryEntry {
  taskNo: string;
  source: 'task' | 'filing';
  lead: string;
  departments: string[];
  start: string;
  end: string;
  categories: string[];
  round: number;
  /** 免罚清单 entries ('DEPT:no') this inspection recorded a violation of (R18). */
  lenient?: string[];
}

/** R17: a proposal to move an entity's credit-risk class, decided by 联席办. */
export interface RiskProposalDoc {
  id: string;
  creditCode: string;
  entityName: string;
  taskNo: string;
  direction: 'raise' | 'lower';
  from: string;
  to: string;
  reason: string;
  status: 'pending' | 'applied' | 'rejected';
  createdAt: Date;
  decidedBy: string;
  decidedAt?: Date;
  version: number;
}
