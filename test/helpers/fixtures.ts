/** Small, valid registry records for tests, written straight through the repos. */
import { creditCodeCheckChar } from '../../src/domain/creditCode';
import type { EntityRecord } from '../../src/domain/entity';
import type { Pool } from '../../src/domain/pools';
import type { Repos } from '../../store/repos';
import type { Services } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import type { UserInput } from '../../src/services/users';

/** A valid credit code from a number: 91 + Wannian's division code + 9 digits + check char. */
export function code(n: number): string {
  const first17 = `91361129${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckChar(first17);
}

export async function addEntities(repos: Repos, rows: (Partial<EntityRecord> & { pool?: Pool; n: number })[], at = new Date('2026-01-05T02:00:00Z')): Promise<string[]> {
  const docs = rows.map(({ n, pool, ...r }) => ({
    _id: code(n),
    name: r.name ?? `万年县测试${n}有限公司`,
    kind: r.kind ?? '企业',
    industry: r.industry ?? '制造业',
    township: r.township ?? '陈营镇',
    address: r.address ?? '万年县陈营镇',
    riskClass: r.riskClass ?? '一般',
    sectorTags: r.sectorTags ?? [],
    departments: r.departments ?? ['SCJGJ'],
    pool: pool ?? 'B',
    poolPlacedBy: 'test',
    poolPlacedAt: at,
    poolReason: '测试数据',
    pendingPool: '',
    pendingBy: '',
    pendingDepartment: '',
    pendingReason: '',
    rowHash: `h${n}`,
    createdAt: at,
    updatedAt: at,
    updatedBy: 'test',
  }));
  await repos.entities.writer.insertNew(docs);
  return docs.map((d) => d._id);
}

/** An inspection item as stored, valid for every pool and on the A joint list unless `over` says otherwise. */
export function itemDoc(department: string, itemCode: string, name: string, over: Record<string, unknown> = {}) {
  return {
    _id: `${department}:${itemCode}`, itemCode, department, name, legalBasis: '依据', powerListCode: `36112900${itemCode}`,
    pools: ['A', 'B', 'C'], jointListA: true, specialty: '', rowHash: 'x', createdAt: new Date(), updatedAt: new Date(), updatedBy: 'test', ...over,
  };
}

/** An enforcement officer as stored, certificate valid to the end of 2027 unless `over` says otherwise. */
export function inspectorDoc(no: string, name: string, department: string, over: Record<string, unknown> = {}) {
  return {
    _id: no, name, department, kind: 'civil_servant', certificateNo: `JX-${no}`, certificateExpiry: '2027-12-31', qualification: '行政执法证',
    specialties: [], jointPool: false, active: true, conflicts: [], rowHash: no, createdAt: new Date(), updatedAt: new Date(), updatedBy: 'test', ...over,
  };
}

/** Registers users as an administrator would. */
export async function saveUsers(services: Services, users: UserInput[]): Promise<void> {
  const admin = cliCaller('test');
  for (const u of users) await services.users.save(admin, u);
}
