/** A draw as services see it (stored in `draws`; large records in `draw_parts`). */
import type { AssignmentParams, DrawCommitment, DrawRecord } from '../draw';
import type { Pool } from '../pools';

/**
 * committed: the commitment is public, the seed secret, nothing drawn yet (two-step form);
 * done: drawn, the record is public; failed: revealed, but the officers could not be
 * assigned (kept, with the seed, because the commitment was public); voided: by 联席办.
 */
export type DrawStatus = 'committed' | 'done' | 'failed' | 'voided';

/** Why a revealed two-step draw could not be completed (docs/draw.md §4.6). */
export interface DrawFailure {
  publicValue?: string;
  effectiveSeed: string;
  creditCode: string;
  department: string;
  constraint: string;
  rule: string;
  message: string;
}

export interface DrawDoc {
  drawNo: string;
  planNo: string;
  year: number;
  department: string;
  /** Participating departments, the lead first. */
  departments: string[];
  pool: Pool;
  status: DrawStatus;
  n: number;
  k: number;
  seedCommitment: string;
  snapshotDigest: string;
  rosterDigest: string;
  /** SHA-256 over every announced field (docs/draw.md §1.5), as posted with the commitment. */
  announcementDigest?: string;
  /** The public record (docs/draw.md §5): present once drawn (done, or voided after it was done). */
  record?: DrawRecord;
  /** The seed once revealed and no record holds it: a failed draw, or one voided before 开奖. */
  seed?: string;
  failure?: DrawFailure;
  createdBy: string;
  createdAt: Date;
  /** Who ran 开奖 and when (two-step draws). */
  revealedBy?: string;
  revealedAt?: Date;
  voidedBy: string;
  voidedAt?: Date;
  voidReason: string;
  supersedes: string;
}

/** What a committed draw keeps secret until 开奖: the seed, and the inputs frozen with the commitment. */
export interface SealedDraw {
  seed: string;
  commitment: DrawCommitment;
  /** The roster people's records, conflicts and last inspections, as read at commit time. */
  assignment: AssignmentParams;
}
