/** A market entity as services see it, and the shapes of entity queries (stored in `entities`). */
import type { EntityRecord } from '../entity';
import type { TargetFilter } from '../plan';
import type { Pool, RiskClass } from '../pools';

export interface EntityDoc extends EntityRecord {
  pool: Pool;
  poolPlacedBy: string;
  poolPlacedAt: Date;
  poolReason: string;
  pendingPool: '' | Pool;
  pendingBy: string;
  pendingDepartment: string;
  pendingAt?: Date;
  pendingReason: string;
  lastInspectedAt?: Date;
  /** Closed and archived by an adjustment: kept, never drawn. */
  archived?: boolean;
  archivedReason?: string;
  /** Each yearly adjustment's move of this entity (R5), oldest first; stored one field per adjustment. */
  poolMoves?: PoolMoveRecord[];
  rowHash: string;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

/** One applied adjustment's move of an entity, as kept on it (R5). */
export interface PoolMoveRecord {
  at: string;
  by: string;
  from: string;
  to: string;
  reason: string;
  adjustment: string;
}

/** What the yearly pool adjustment (R5) reads of an entity. */
export interface AdjustmentRow {
  creditCode: string;
  name: string;
  pool: Pool;
  riskClass: RiskClass;
  departments: readonly string[];
  /** Milliseconds since 1970 of the first import; 0 when unknown. */
  createdAt: number;
  archived: boolean;
  /** The imported registration state when not 存续, else ''. */
  registration: string;
}

/** One move of an adjustment: from the pool it was seen in, with why; `archive` for a closed entity. */
export interface PoolMove {
  creditCode: string;
  from: Pool;
  to: Pool;
  reason: string;
  adjustment: string;
  archive?: boolean;
}

export interface EntityFilter {
  pool?: Pool;
  industry?: string;
  township?: string;
  riskClass?: RiskClass;
  department?: string;
  /** One of the entity's sector tags (领域标签). */
  sectorTag?: string;
  /** Part of the name. */
  keyword?: string;
}

/** What a plan targets (R3, R4): its pool and filter; for B and C, only entities its departments supervise. */
export interface PlanTargets {
  pool: Pool;
  filter: TargetFilter;
  /** Supervising departments to match (any of them); empty = every entity of the pool (A: joint by construction). */
  departments: string[];
  /** Leave out entities inspected at or after this instant. */
  inspectedSince?: Date;
}

/** What a list of entities shows of each: answered from the read model, with no database read. */
export type EntityListing = Pick<EntityDoc, 'creditCode' | 'name' | 'industry' | 'township' | 'address' | 'riskClass' | 'pool' | 'departments' | 'sectorTags'>;

/** What a task shows of an entity. */
export type EntitySummary = Pick<EntityDoc, 'creditCode' | 'name' | 'township' | 'address'>;
