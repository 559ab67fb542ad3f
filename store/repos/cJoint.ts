/**
 * Joint arrangements for overlapping C entities (R4): one document per entity, `_id` = credit code,
 * changed only over the version read. A small collection (C entities with two or more departments).
 */
import type { Models } from '../models';
import { CJOINT_STATUSES, isInForce, LEAD_BASES, type CJointArrangement } from '../../src/domain/cJoint';
import { insertOnce } from './keys';
import { date, keyed, num, oneOf, str, strs, type Keyed, type Stored } from './read';

/** The C-joint repo's one mapper: a stored document → the arrangement the services see. */
export function fromDoc(d: Stored): CJointArrangement {
  const disagreement = d.disagreeDepartment
    ? {
      department: str(d.disagreeDepartment), by: str(d.disagreeBy), byName: str(d.disagreeByName),
      comment: str(d.disagreeComment), at: date(d.disagreeAt),
    }
    : undefined;
  return {
    creditCode: str(d._id),
    entityName: str(d.entityName),
    lead: str(d.lead),
    participants: strs(d.participants),
    basis: oneOf(LEAD_BASES, d.basis),
    basisNote: str(d.basisNote),
    proposedBy: str(d.proposedBy),
    proposedByName: str(d.proposedByName),
    proposedDepartment: str(d.proposedDepartment),
    proposedAt: date(d.proposedAt),
    status: oneOf(CJOINT_STATUSES, d.status),
    ...(disagreement ? { disagreement } : {}),
    ...(d.decidedBy ? { decidedBy: str(d.decidedBy), decidedByName: str(d.decidedByName), decidedAt: date(d.decidedAt) } : {}),
    round: num(d.round),
    version: num(d.version),
    updatedAt: date(d.updatedAt),
  };
}

/** The arrangement → the stored document (flat; absent optional fields are left out). */
export function toDoc(a: CJointArrangement): Keyed {
  const { creditCode, disagreement, decidedBy, decidedByName, decidedAt, ...rest } = a;
  return {
    _id: creditCode,
    ...rest,
    ...(disagreement
      ? { disagreeDepartment: disagreement.department, disagreeBy: disagreement.by, disagreeByName: disagreement.byName, disagreeComment: disagreement.comment, disagreeAt: disagreement.at }
      : {}),
    ...(decidedBy ? { decidedBy, decidedByName: decidedByName ?? '', decidedAt } : {}),
  };
}

const IN_FORCE = CJOINT_STATUSES.filter((status) => isInForce({ status }));

const UNSET_OPTIONAL = ['disagreeDepartment', 'disagreeBy', 'disagreeByName', 'disagreeComment', 'disagreeAt', 'decidedBy', 'decidedByName', 'decidedAt'];

export function cJointRepo(models: Models) {
  const col = keyed(models.CJoint);
  return {
    async get(creditCode: string): Promise<CJointArrangement | undefined> {
      const d = await col.findOne({ _id: creditCode });
      return d ? fromDoc(d) : undefined;
    },

    /** Every arrangement (a small collection), by credit code. */
    async all(): Promise<CJointArrangement[]> {
      return (await col.find({}).sort({ _id: 1 }).toArray()).map(fromDoc);
    },

    /** Arrangements in force (agreed or decided): what a C draw joins tasks by. */
    async inForce(): Promise<CJointArrangement[]> {
      return (await col.find({ status: { $in: IN_FORCE } }).toArray()).map(fromDoc);
    },

    /** False if the entity already has an arrangement (someone proposed first). */
    create: (a: CJointArrangement): Promise<boolean> => insertOnce(col, toDoc(a)),

    /** Writes the arrangement over the version read (a.version must be that version + 1); false if it changed meanwhile. */
    async replace(a: CJointArrangement, readVersion: number): Promise<boolean> {
      const { _id, ...rest } = toDoc(a);
      const unset: Record<string, ''> = {};
      for (const k of UNSET_OPTIONAL) if (!(k in rest)) unset[k] = '';
      const r = await col.updateOne({ _id, version: readVersion }, { $set: rest, ...(Object.keys(unset).length ? { $unset: unset } : {}) });
      return r.modifiedCount === 1;
    },
  };
}

export type CJointRepo = ReturnType<typeof cJointRepo>;
