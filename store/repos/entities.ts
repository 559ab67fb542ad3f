/** Queries and pool placements of market entities. */
import type { Models } from '../models';
import { ENTITY_KINDS, POOLS, RISK_CLASSES, type Pool } from '../../src/domain/pools';
import { REGISTRATION_STATES } from '../../src/domain/entity';
import type { AdjustmentRow, EntityDoc, EntityFilter, EntityListing, EntitySummary, PlanTargets, PoolMove, PoolMoveRecord } from '../../src/domain/records/entity';
import { date, keyed, oneOf, optDate, str, strs, type Stored } from './read';
import { registryWriter, type RegistryWriter } from './registryWriter';
import { createEntityIndex, foldText, hashKey, rowOf, type EntityIndex, type IndexedEntity, type IndexRow } from './entityIndex';

/** Whether an entity of the read model matches a query's filter (a keyword is part of the name, folded). */
function matchesFilter(e: IndexedEntity, f: EntityFilter, keyword: string): boolean {
  return !e.archived
    && (!f.pool || e.pool === f.pool)
    && (!f.industry || e.industry === f.industry)
    && (!f.township || e.township === f.township)
    && (!f.riskClass || e.riskClass === f.riskClass)
    && (!f.department || e.departments.includes(f.department))
    && (!f.sectorTag || e.sectorTags.includes(f.sectorTag))
    && (!keyword || e.norm.includes(keyword));
}

const overlaps = (have: readonly string[], want: readonly string[]) => want.some((w) => have.includes(w));

/** Whether an entity of the read model is one of a plan's targets. */
function matchesTargets(e: IndexedEntity, t: PlanTargets, since: number): boolean {
  return !e.archived
    && e.pool === t.pool
    && (t.filter.industries.length === 0 || t.filter.industries.includes(e.industry))
    && (t.filter.townships.length === 0 || t.filter.townships.includes(e.township))
    && (t.filter.riskClasses.length === 0 || t.filter.riskClasses.includes(e.riskClass))
    && (t.filter.sectorTags.length === 0 || overlaps(e.sectorTags, t.filter.sectorTags))
    && (t.departments.length === 0 || overlaps(e.departments, t.departments))
    && (since === 0 || e.lastInspectedAt < since);
}

/** Searchable fields that an import may set or unset, with their value when unset. */
const INDEXED_DEFAULTS: Record<string, unknown> = { name: '', industry: '', township: '', riskClass: '一般', departments: [], sectorTags: [], address: '', rowHash: '', registration: '' };

/** The searchable part of an import's update of one entity. */
function partialRow(code: string, set: Record<string, unknown>, unset: string[]): IndexRow {
  const row: Record<string, unknown> = { code };
  for (const [k, v] of Object.entries(set)) if (k in INDEXED_DEFAULTS) row[k] = k === 'rowHash' ? hashKey(String(v)) : v;
  for (const k of unset) if (k in INDEXED_DEFAULTS) row[k] = INDEXED_DEFAULTS[k];
  return row as IndexRow;
}

/** The registry writer for entities: every write is logged for the read model (entityIndex.ts). */
function loggedWriter(inner: RegistryWriter, index: EntityIndex): RegistryWriter {
  return {
    async digests() {
      const d = await inner.digests();
      await index.repair(d); // an import cut off before its log write left entities the read model lacks
      return d;
    },
    getMany: (ids) => inner.getMany(ids),
    async insertNew(docs) {
      await index.loaded();
      const r = await inner.insertNew(docs);
      const existing = new Set(r.existing);
      await index.log(docs.filter((d) => !existing.has(d._id)).map((d) => rowOf(d)));
      // Stored meanwhile by someone else (or by a writer that was cut off before its log write): log them as they are.
      if (r.existing.length) await index.logCurrent(r.existing);
      return r;
    },
    async updateIfUnchanged(id, expectedHash, set, unset = []) {
      await index.loaded();
      const ok = await inner.updateIfUnchanged(id, expectedHash, set, unset);
      if (ok) await index.log([partialRow(id, set, unset)]);
      return ok;
    },
  };
}

/** Ranks a name search (lower is better): exact name, name prefix, the whole query contained, every word contained. */
function nameRank(e: IndexedEntity, whole: string, words: string[]): number {
  if (e.norm === whole) return 0;
  if (e.norm.startsWith(whole)) return 1;
  const at = e.norm.indexOf(whole);
  if (at >= 0) return 2 + at / 1000;
  return words.length > 1 && words.every((w) => e.norm.includes(w)) ? 3 : -1;
}

const listing = (e: IndexedEntity): EntityListing => ({
  creditCode: e.code, name: e.name, industry: e.industry, township: e.township, address: e.address,
  riskClass: e.riskClass, pool: e.pool, departments: [...e.departments], sectorTags: [...e.sectorTags],
});

const SUMMARY = { _id: 1, name: 1, township: 1, address: 1 };
const toSummary = (d: Record<string, unknown>): EntitySummary =>
  ({ creditCode: String(d._id), name: String(d.name ?? ''), township: String(d.township ?? ''), address: String(d.address ?? '') });

/** Updates per bulk write of an adjustment: FerretDB 1.24 stalls on a bulk write of more than about 100. */
const APPLY_BATCH = 80;

const NO_PENDING = { pendingPool: '', pendingBy: '', pendingDepartment: '', pendingReason: '' } as const;

/** Matches an entity only while it is where the caller saw it, with the proposal the caller saw. */
function proposalGuard(seen: { pool: Pool; pendingPool: Pool; pendingBy: string; pendingAt?: Date }): Record<string, unknown> {
  return {
    pool: seen.pool,
    pendingPool: seen.pendingPool,
    pendingBy: seen.pendingBy,
    ...(seen.pendingAt ? { pendingAt: seen.pendingAt } : {}),
  };
}

/** The adjustments' moves, kept one field per adjustment (`poolMove_<方案编号>`, JSON: a `$set` is fast on FerretDB where a `$push` is not). */
function poolMovesOf(d: Stored): { poolMoves?: PoolMoveRecord[] } {
  const moves = Object.keys(d).filter((k) => k.startsWith('poolMove_')).map((k) => {
    const m = JSON.parse(str(d[k])) as Record<string, unknown>;
    return { at: str(m.at), by: str(m.by), from: str(m.from), to: str(m.to), reason: str(m.reason), adjustment: str(m.adjustment) };
  });
  return moves.length ? { poolMoves: moves.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)) } : {};
}

/** The entities repo's one mapper: a stored entity document → the domain's entity record. */
export function fromDoc(d: Stored): EntityDoc {
  const pendingAt = optDate(d.pendingAt);
  const lastInspectedAt = optDate(d.lastInspectedAt);
  const pendingPool = str(d.pendingPool);
  return {
    creditCode: str(d._id),
    name: str(d.name),
    kind: oneOf(ENTITY_KINDS, d.kind),
    industry: str(d.industry),
    township: str(d.township),
    address: str(d.address),
    riskClass: oneOf(RISK_CLASSES, d.riskClass),
    sectorTags: strs(d.sectorTags),
    departments: strs(d.departments),
    pool: oneOf(POOLS, d.pool),
    poolPlacedBy: str(d.poolPlacedBy),
    poolPlacedAt: date(d.poolPlacedAt),
    poolReason: str(d.poolReason),
    pendingPool: pendingPool === '' ? '' : oneOf(POOLS, pendingPool),
    pendingBy: str(d.pendingBy),
    pendingDepartment: str(d.pendingDepartment),
    ...(pendingAt ? { pendingAt } : {}),
    pendingReason: str(d.pendingReason),
    ...(lastInspectedAt ? { lastInspectedAt } : {}),
    ...(d.registration ? { registration: oneOf(REGISTRATION_STATES, d.registration) } : {}),
    ...(d.archived === true ? { archived: true, archivedReason: str(d.archivedReason) } : {}),
    ...poolMovesOf(d),
    rowHash: str(d.rowHash),
    createdAt: date(d.createdAt),
    updatedAt: date(d.updatedAt),
    updatedBy: str(d.updatedBy),
  };
}

export function entityRepo(models: Models) {
  const col = keyed(models.Entity);
  const index = createEntityIndex({ source: models.Entity, counters: models.Counter });

  /** Full documents of entities found in the read model, in the order given. */
  async function docs(found: readonly IndexedEntity[]): Promise<EntityDoc[]> {
    const got = await Promise.all(found.map((e) => col.findOne({ _id: e.code })));
    return got.filter((d): d is NonNullable<typeof d> => d !== null).map(fromDoc);
  }

  function select(pred: (e: IndexedEntity) => boolean, limit = Infinity): IndexedEntity[] {
    const out: IndexedEntity[] = [];
    for (const e of index.all()) {
      if (!pred(e)) continue;
      out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** After a single-entity write: logs the entity's state for every process's read model. */
  const logged = (changed: boolean, creditCode: string) => index.logChanged(changed, creditCode);

  return {
    writer: loggedWriter(registryWriter(models.Entity), index),

    /** The read model: loads it now (a server calls this at start, so the first question does not wait). */
    warmUp: () => index.fresh(),

    /** How many entities the read model holds (all of them, once fresh). */
    async indexedCount(): Promise<number> {
      await index.fresh();
      return index.size();
    },

    /** Writes a new snapshot of the read model when the change log has grown (a periodic job). */
    compactIndex: (minEntries?: number) => index.compact(minEntries),

    async get(creditCode: string): Promise<EntityDoc | undefined> {
      const d = await col.findOne({ _id: creditCode });
      return d ? fromDoc(d) : undefined;
    },

    /** Entities matching the filter, ascending by credit code. */
    async find(filter: EntityFilter, limit: number): Promise<EntityListing[]> {
      await index.fresh();
      const kw = filter.keyword ? foldText(filter.keyword) : '';
      return select((e) => matchesFilter(e, filter, kw), limit).map(listing);
    },

    async count(filter: EntityFilter): Promise<number> {
      await index.fresh();
      const kw = filter.keyword ? foldText(filter.keyword) : '';
      return select((e) => matchesFilter(e, filter, kw)).length;
    },

    /**
     * Entities by part of the name as officials type it: full-width or half-width, any case,
     * words in any order; ranked exact name, name prefix, the query contained, every word contained.
     */
    async search(query: string, limit: number): Promise<{ total: number; rows: EntityListing[] }> {
      await index.fresh();
      const words = query.split(/\s+/).map(foldText).filter(Boolean);
      const whole = words.join('');
      if (!whole) return { total: 0, rows: [] };
      const hits: { e: IndexedEntity; rank: number }[] = [];
      for (const e of index.all()) {
        const rank = nameRank(e, whole, words);
        if (rank >= 0) hits.push({ e, rank });
      }
      hits.sort((a, b) => a.rank - b.rank || a.e.name.length - b.e.name.length || (a.e.code < b.e.code ? -1 : 1));
      return { total: hits.length, rows: hits.slice(0, limit).map((h) => listing(h.e)) };
    },

    async countTargets(t: PlanTargets): Promise<number> {
      await index.fresh();
      const since = t.inspectedSince?.getTime() ?? 0;
      return select((e) => matchesTargets(e, t, since)).length;
    },

    /**
     * What the draw needs of every entity a plan targets, ascending by credit code: the codes
     * are the snapshot; names and addresses go on the tasks. From the read model.
     */
    async targetSummaries(t: PlanTargets): Promise<EntitySummary[]> {
      await index.fresh();
      const since = t.inspectedSince?.getTime() ?? 0;
      return select((e) => matchesTargets(e, t, since)).map((e) => ({ creditCode: e.code, name: e.name, township: e.township, address: e.address }));
    },

    /** Names and addresses of the given entities (a revealed two-step draw's selection), in no particular order. */
    async summaries(codes: readonly string[]): Promise<EntitySummary[]> {
      if (codes.length === 0) return [];
      await index.fresh();
      const out: EntitySummary[] = [];
      for (const code of codes) {
        const e = index.get(code);
        if (e) out.push({ creditCode: e.code, name: e.name, township: e.township, address: e.address });
        else {
          const d = await col.findOne({ _id: code }, { projection: SUMMARY });
          if (d) out.push(toSummary(d));
        }
      }
      return out;
    },

    /** The values a text field holds across all entities, with how many entities hold each, most common first. */
    async valueCounts(field: 'industry' | 'township' | 'sectorTags'): Promise<{ value: string; n: number }[]> {
      await index.fresh();
      const counts = new Map<string, number>();
      const add = (v: string) => { if (v) counts.set(v, (counts.get(v) ?? 0) + 1); };
      for (const e of index.all()) {
        if (field === 'sectorTags') e.sectorTags.forEach(add);
        else add(e[field]);
      }
      return [...counts].map(([value, n]) => ({ value, n })).sort((a, b) => b.n - a.n || a.value.localeCompare(b.value, 'zh'));
    },

    async countByPool(filter: Omit<EntityFilter, 'pool'>): Promise<Record<Pool, number>> {
      await index.fresh();
      const kw = filter.keyword ? foldText(filter.keyword) : '';
      const out: Record<Pool, number> = { A: 0, B: 0, C: 0 };
      for (const e of index.all()) if (matchesFilter(e, filter, kw)) out[e.pool]++;
      return out;
    },

    /**
     * Moves an entity to a pool only if it is still where the caller saw it
     * (a guard in place of a transaction). Returns false if it moved meanwhile.
     */
    async place(creditCode: string, from: Pool, to: Pool, by: string, at: Date, reason: string): Promise<boolean> {
      const r = await col.updateOne(
        { _id: creditCode, pool: from },
        { $set: { pool: to, poolPlacedBy: by, poolPlacedAt: at, poolReason: reason, ...NO_PENDING, updatedAt: at, updatedBy: by }, $unset: { pendingAt: '' } },
      );
      return logged(r.modifiedCount === 1, creditCode);
    },

    /**
     * Carries out the pending proposal the caller saw: only if the entity is
     * still in `seen.pool` and that very proposal (same pool, proposer and time)
     * is still pending. False if anyone moved it, or rejected or replaced the
     * proposal meanwhile.
     */
    async confirmPending(
      creditCode: string,
      seen: { pool: Pool; pendingPool: Pool; pendingBy: string; pendingAt?: Date },
      by: string,
      at: Date,
      reason: string,
    ): Promise<boolean> {
      const r = await col.updateOne(
        { _id: creditCode, ...proposalGuard(seen) },
        { $set: { pool: seen.pendingPool, poolPlacedBy: by, poolPlacedAt: at, poolReason: reason, ...NO_PENDING, updatedAt: at, updatedBy: by }, $unset: { pendingAt: '' } },
      );
      return logged(r.modifiedCount === 1, creditCode);
    },

    /**
     * R4: records an approved inspection's last day as the entity's last inspection, guarded by `_id`
     * and only forward (an older result approved later never moves it back). False if unchanged.
     */
    async markInspected(creditCode: string, on: Date): Promise<boolean> {
      const r = await col.updateOne(
        { _id: creditCode, $or: [{ lastInspectedAt: { $exists: false } }, { lastInspectedAt: null }, { lastInspectedAt: { $lt: on } }] },
        { $set: { lastInspectedAt: on } },
      );
      return logged(r.modifiedCount === 1, creditCode);
    },

    /** Records a proposal (C) if none is pending. */
    async propose(creditCode: string, pool: Pool, by: string, department: string, at: Date, reason: string): Promise<boolean> {
      const r = await col.updateOne(
        { _id: creditCode, pendingPool: '' },
        { $set: { pendingPool: pool, pendingBy: by, pendingDepartment: department, pendingAt: at, pendingReason: reason, updatedAt: at, updatedBy: by } },
      );
      return logged(r.modifiedCount === 1, creditCode);
    },

    /**
     * Drops a pending proposal (rejected by 联席办): any proposal, or with `seen`
     * only the one the caller saw, so a newer proposal is never dropped unseen.
     */
    async clearPending(
      creditCode: string,
      by: string,
      at: Date,
      seen?: { pool: Pool; pendingPool: Pool; pendingBy: string; pendingAt?: Date },
    ): Promise<boolean> {
      const r = await col.updateOne(
        { _id: creditCode, ...(seen ? proposalGuard(seen) : { pendingPool: { $ne: '' } }) },
        { $set: { ...NO_PENDING, updatedAt: at, updatedBy: by }, $unset: { pendingAt: '' } },
      );
      return logged(r.modifiedCount === 1, creditCode);
    },

    /** What the yearly pool adjustment (R5) reads of every entity, archived ones included: from the read model. */
    async adjustmentRows(): Promise<AdjustmentRow[]> {
      await index.fresh();
      return index.all().map((e) => ({
        creditCode: e.code, name: e.name, pool: e.pool, riskClass: e.riskClass, departments: e.departments,
        createdAt: e.createdAt ?? 0, archived: e.archived === true, registration: e.registration ?? '',
      }));
    },

    /**
     * Applies an adjustment's moves (R5) in batches of bulk updates by `_id`; returns the codes
     * moved. Each batch is checked against the read model just before it is written (freshly
     * caught up with every process's writes): a move whose entity is no longer in the pool the
     * adjustment saw, or is archived, is left out. The filter is the `_id` alone because on
     * FerretDB 1.24 any second condition makes each update several times slower, and a batch
     * over ~100 updates stalls it; the window this leaves is one batch's write. The move is kept
     * on the entity under its own field (`poolMove_<方案编号>`, a `$set`, not a `$push`, for the
     * same reason) and logged for the read model.
     */
    async applyMoves(moves: readonly PoolMove[], by: string, at: Date, batch = APPLY_BATCH): Promise<string[]> {
      await index.loaded();
      const moved: string[] = [];
      for (let i = 0; i < moves.length; i += batch) {
        await index.fresh();
        const part = moves.slice(i, i + batch).filter((m) => {
          const e = index.get(m.creditCode);
          return e && e.pool === m.from && !e.archived;
        });
        if (part.length === 0) continue;
        await col.bulkWrite(part.map((m) => ({
          updateOne: {
            filter: { _id: m.creditCode as never },
            update: {
              $set: {
                pool: m.to, poolPlacedBy: by, poolPlacedAt: at, poolReason: m.reason, poolAdjustment: m.adjustment, updatedAt: at, updatedBy: by,
                [`poolMove_${m.adjustment}`]: JSON.stringify({ at: at.toISOString(), by, from: m.from, to: m.archive ? 'archived' : m.to, reason: m.reason, adjustment: m.adjustment }),
                ...(m.archive ? { archived: true, archivedAt: at, archivedReason: m.reason } : {}),
              },
            },
          },
        })), { ordered: false });
        await index.log(part.map((m) => ({ code: m.creditCode, pool: m.to, ...(m.archive ? { archived: true } : {}) })));
        moved.push(...part.map((m) => m.creditCode));
      }
      return moved;
    },

    /** Entities with an open pool proposal, oldest proposal first. */
    async pending(limit: number): Promise<EntityDoc[]> {
      await index.fresh();
      const found = await docs(select((e) => e.pendingPool !== ''));
      return found.filter((d) => d.pendingPool).sort((a, b) => (a.pendingAt?.getTime() ?? 0) - (b.pendingAt?.getTime() ?? 0)).slice(0, limit);
    },
  };
}

export type EntityRepo = ReturnType<typeof entityRepo>;
