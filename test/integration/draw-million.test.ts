/**
 * A pool of 1,000,000 eligible entities (a provincial platform's county, or a
 * county far above the demo): its commitment's seal and its public record are
 * each far past MongoDB's 16 MB a document. Stored on the real database in
 * compressed parts (store/repos/draws.ts), read back whole, and verified.
 */
import { createHash } from 'node:crypto';
import { commitDraw, runDraw, verifyDraw, type AssignmentParams } from '../../src/domain/draw';
import type { InspectorRecord } from '../../src/domain/inspector';
import { freshDb, type TestDb } from '../helpers/db';

let db: TestDb;
beforeAll(async () => { db = await freshDb(); });
afterAll(async () => { await db?.close(); });

it('a 1,000,000-entity draw: sealed, revealed, stored in parts, read back whole, and it verifies', async () => {
  const N = 1_000_000;
  const snapshot = Array.from({ length: N }, (_, i) => `91361129${String(i).padStart(9, '0')}X`);
  const inspectors: InspectorRecord[] = Array.from({ length: 600 }, (_, i) => ({
    inspectorNo: `SCJGJ-${String(i + 1).padStart(4, '0')}`, name: `人员${i + 1}`, department: 'SCJGJ', kind: 'civil_servant',
    certificateNo: `JX${i}`, certificateExpiry: '2030-12-31', qualification: '行政执法证', specialties: [], jointPool: true, active: true, conflicts: [],
  }));
  const assignment: AssignmentParams = { pool: 'B', departments: ['SCJGJ'], inspectors, requiredSpecialties: { SCJGJ: [] }, windowLastDay: '2026-09-30' };
  const seed = createHash('sha256').update('million').digest('hex');
  const c = commitDraw({ planNo: 'JH2026-0001', pool: 'B', filter: '全部', sampling: { count: 20_000 }, snapshot, seed, assignment, announcedAt: '2026-03-10T02:00:00.000Z' });
  const at = new Date('2026-03-10T02:00:00Z');
  const base = {
    drawNo: 'JH2026-0001-1', planNo: 'JH2026-0001', year: 2026, department: 'SCJGJ', departments: ['SCJGJ'], pool: 'B' as const,
    n: c.n, k: c.k, seedCommitment: c.seedCommitment, snapshotDigest: c.snapshotDigest, rosterDigest: c.rosterDigest,
    createdBy: 'test', createdAt: at, voidedBy: '', voidReason: '', supersedes: '',
  };
  // Committed: the seal holds the snapshot and the roster (≈ 20 MB of JSON).
  expect(await db.repos.draws.create({ ...base, status: 'committed' }, { seed, commitment: c, assignment })).toBe(true);
  const sealed = await db.repos.draws.sealed(base.drawNo);
  expect(sealed?.commitment.snapshot).toHaveLength(N);
  expect(sealed?.seed).toBe(seed);

  // 开奖: the record (snapshot, selection, teams) replaces the seal.
  const drawn = runDraw(sealed!.commitment, { seed: sealed!.seed, assignment: sealed!.assignment });
  if (!drawn.ok) throw new Error(drawn.message);
  expect(JSON.stringify(drawn.record).length).toBeGreaterThan(16 * 1024 * 1024);
  expect(await db.repos.draws.reveal(base.drawNo, { status: 'done', record: drawn.record, revealedBy: 'test', revealedAt: at })).toBe(true);
  expect(await db.repos.draws.sealed(base.drawNo)).toBeUndefined();

  const stored = await db.repos.draws.get(base.drawNo);
  expect(stored?.record?.snapshot).toHaveLength(N);
  expect(stored?.record?.selection).toEqual(drawn.record.selection);
  expect(verifyDraw(stored!.record!)).toEqual({ ok: true });
  expect((await db.repos.draws.forPlan('JH2026-0001')).map((d) => d.record?.k)).toEqual([20_000]);
  // Nothing stored is over MongoDB's limit: the draw document stays small.
  const doc = await db.models.Draw.collection.findOne({ _id: base.drawNo as never });
  expect(JSON.stringify(doc).length).toBeLessThan(100_000);
}, 240_000);
