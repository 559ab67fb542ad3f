/**
 * The registry's read model: the searchable fields of every market entity, in
 * this process's memory, so that no chat command scans the entities collection
 * (查询, 查 <名称>, a plan's target count and checks, the draw's snapshot). On
 * FerretDB 1.24 any filter but an exact `_id` decodes every document in Go
 * (≈150 µs each: 45 s for a 300,000-entity county); here a pass over 300,000
 * entries takes milliseconds, on MongoDB and FerretDB alike. Kept correct across
 * processes by the change feed (changeFeed.ts): `entity_log`, `entity_snapshot`.
 * Import batches log the fields they wrote (never the pool of an existing entity);
 * a pool change logs the entity as it is after the change.
 *
 * Memory: ≈300 bytes an entity (strings of facets are shared).
 */
import type { Pool, RiskClass } from '../../src/domain/pools';
import { createChangeFeed, type FeedModels } from './changeFeed';

/** One entity as the read model keeps it. */
export interface IndexedEntity {
  code: string;
  name: string;
  /** The name folded for matching (full-width to half-width, lower case, no spaces). */
  norm: string;
  pool: Pool;
  industry: string;
  township: string;
  riskClass: RiskClass;
  departments: readonly string[];
  sectorTags: readonly string[];
  address: string;
  /** An open pool proposal ('' when none). */
  pendingPool: '' | Pool;
  /** Milliseconds since 1970 of the last finished inspection; 0 when never. */
  lastInspectedAt: number;
  /** The start of the digest of the imported row (store/repos/registry.ts), to see what an interrupted write left out. */
  rowHash: string;
  /** Milliseconds since 1970 of the entity's first import; 0 when unknown. */
  createdAt?: number;
  /** Closed (注销, 吊销, 撤销) and archived by a pool adjustment: kept, never drawn. */
  archived?: boolean;
  /** The registration state as imported when not 存续 ('' otherwise). */
  registration?: string;
}

/** What a log entry or snapshot row says of one entity: its code and the fields written (all of them for a full row). */
export type IndexRow = { code: string } & Partial<Omit<IndexedEntity, 'code' | 'norm'>>;

/** Folds a name or a typed query for matching: NFKC (full-width → half-width), lower case, no white space. */
export function foldText(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

/** What of a row digest the read model keeps (enough to tell two digests apart). */
export const hashKey = (h: string) => h.slice(0, 16);

/** The searchable fields of a stored entity document, as a full row. */
export function rowOf(d: Record<string, unknown>): IndexRow {
  return {
    code: String(d._id),
    name: String(d.name ?? ''),
    pool: (d.pool as Pool) ?? 'B',
    industry: String(d.industry ?? ''),
    township: String(d.township ?? ''),
    riskClass: d.riskClass as RiskClass,
    departments: Array.isArray(d.departments) ? d.departments.map(String) : [],
    sectorTags: Array.isArray(d.sectorTags) ? d.sectorTags.map(String) : [],
    address: String(d.address ?? ''),
    pendingPool: ((d.pendingPool as string) || '') as '' | Pool,
    lastInspectedAt: d.lastInspectedAt instanceof Date ? d.lastInspectedAt.getTime() : 0,
    rowHash: hashKey(String(d.rowHash ?? '')),
    createdAt: d.createdAt instanceof Date ? d.createdAt.getTime() : 0,
    archived: d.archived === true,
    registration: d.registration ? String(d.registration) : '',
  };
}

/** The projection that `rowOf` needs. */
export const ROW_FIELDS = {
  _id: 1, name: 1, pool: 1, industry: 1, township: 1, riskClass: 1, departments: 1, sectorTags: 1, address: 1, pendingPool: 1, lastInspectedAt: 1, rowHash: 1, createdAt: 1, archived: 1, registration: 1,
} as const;

export function createEntityIndex(models: FeedModels) {
  const byCode = new Map<string, IndexedEntity>();
  let sorted: IndexedEntity[] = [];
  let sortedStale = false;
  // Shared strings and lists: thousands of entities have the same township or departments.
  const interned = new Map<string, string>();
  const lists = new Map<string, readonly string[]>();
  const str = (s: string) => {
    const hit = interned.get(s);
    if (hit !== undefined) return hit;
    interned.set(s, s);
    return s;
  };
  const list = (xs: readonly string[]) => {
    const key = xs.join('\u0001');
    const hit = lists.get(key);
    if (hit) return hit;
    const frozen = Object.freeze(xs.map(str));
    lists.set(key, frozen);
    return frozen;
  };

  function apply(row: IndexRow): void {
    const had = byCode.get(row.code);
    if (!had && row.name === undefined) return; // a partial row for an entity this model never had: nothing to show
    const e: IndexedEntity = had ?? {
      code: row.code, name: '', norm: '', pool: 'B', industry: '', township: '', riskClass: '一般' as RiskClass,
      departments: [], sectorTags: [], address: '', pendingPool: '', lastInspectedAt: 0, rowHash: '',
    };
    if (row.name !== undefined) {
      e.name = row.name;
      const folded = foldText(row.name);
      e.norm = folded === row.name ? row.name : folded; // most names fold to themselves: one string, not two
    }
    if (row.pool !== undefined) e.pool = row.pool;
    if (row.industry !== undefined) e.industry = str(row.industry);
    if (row.township !== undefined) e.township = str(row.township);
    if (row.riskClass !== undefined) e.riskClass = str(row.riskClass) as RiskClass;
    if (row.departments !== undefined) e.departments = list(row.departments);
    if (row.sectorTags !== undefined) e.sectorTags = list(row.sectorTags);
    if (row.address !== undefined) e.address = row.address;
    if (row.pendingPool !== undefined) e.pendingPool = row.pendingPool;
    if (row.lastInspectedAt !== undefined) e.lastInspectedAt = row.lastInspectedAt;
    if (row.rowHash !== undefined) e.rowHash = hashKey(row.rowHash);
    if (row.createdAt !== undefined) e.createdAt = row.createdAt;
    if (row.archived !== undefined) e.archived = row.archived;
    if (row.registration !== undefined) e.registration = row.registration || undefined;
    if (!had) {
      byCode.set(e.code, e);
      sortedStale = true;
    }
  }

  const feed = createChangeFeed<IndexRow>('entity', models, {
    projection: ROW_FIELDS,
    rowOf,
    apply,
    clear() {
      byCode.clear();
      sorted = [];
      sortedStale = true;
    },
    rows: () => inOrder().map(({ norm: _norm, ...e }) => e),
  });

  function inOrder(): IndexedEntity[] {
    if (sortedStale) {
      sorted = [...byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
      sortedStale = false;
    }
    return sorted;
  }

  return {
    /** Loads the model once; writers call it before their first write. */
    loaded: () => feed.loaded(),

    /** Loads (once) and applies every change logged so far by any process. */
    fresh: () => feed.fresh(),

    /** Every entity, ascending by credit code. Call `fresh` first. */
    all: (): readonly IndexedEntity[] => inOrder(),

    get: (code: string): IndexedEntity | undefined => byCode.get(code),

    size: () => byCode.size,

    /** Logs rows the caller has written (import batches). */
    log: (rows: IndexRow[]) => feed.log(rows),

    /** Logs the current state of entities just written. */
    logCurrent: (codes: string[]) => feed.logCurrent(codes),

    /** After a write of one entity: logs it as it now is when the write changed it. */
    logChanged: (changed: boolean, code: string) => feed.logChanged(changed, code),

    /**
     * Given every stored entity's row digest (an import reads them first), logs again the
     * entities the read model lacks or holds with another digest: what an import cut off
     * between its entity write and its log write left out. Returns how many.
     */
    async repair(digests: ReadonlyMap<string, string>): Promise<number> {
      await feed.fresh();
      const stale: string[] = [];
      for (const [code, hash] of digests) if (byCode.get(code)?.rowHash !== hashKey(hash)) stale.push(code);
      for (let i = 0; i < stale.length; i += 1000) await feed.logCurrent(stale.slice(i, i + 1000));
      if (stale.length) await feed.fresh();
      return stale.length;
    },

    /** Writes a new snapshot from memory when the log has grown (a job runs it). */
    compact: (minEntries?: number) => feed.compact(minEntries),
  };
}

export type EntityIndex = ReturnType<typeof createEntityIndex>;
