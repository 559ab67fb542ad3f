/**
 * Joint arrangements for overlapping C entities (R4): one document per entity, `_id` = credit code,
 * changed only over the version read. A small collection (C entities with two or more departments).
 */
import type { mongo } from 'mongoose';
import type { Models } from '../models';
import type { CJointArrangement, CJointStatus, LeadBasis } from '../../src/domain/cJoint';
import { insertOnce } from './keys';

/** The stored document → the arrangement the services see. */
export function fromDoc(d: Record<string, unknown>): CJointArrangement {
  const disagreement = d.disagreeDepartment
    ? {
      department: String(d.disagreeDepartment), by: String(d.disagreeBy ?? ''), byName: String(d.disagreeByName ?? ''),
      comment: String(d.disagreeComment ?? ''), at: d.disagreeAt as Date,
    }
    : undefined;
  return {
    creditCode: String(d._id),
    entityName: String(d.entityName ?? ''),
    lead: String(d.lead),
    participants: [...((d.participants as string[] | undefined) ?? [])],
    basis: d.basis as LeadBasis,
    basisNote: String(d.basisNote ?? ''),
    proposedBy: String(d.proposedBy),
    proposedByName: String(d.proposedByName ?? ''),
    proposedDepartment: String(d.proposedDepartment),
    proposedAt: d.proposedAt as Date,
    status: d.status as CJointStatus,
    ...(disagreement ? { disagreement } : {}),
    ...(d.decidedBy ? { decidedBy: String(d.decidedBy), decidedByName: String(d.decidedByName ?? ''), decidedAt: d.decidedAt as Date } : {}),
    round: Number(d.round),
    version: Number(d.version),
    updatedAt: d.updatedAt as Date,
  };
}

/** The arrangement → the stored document (flat; absent optional fields are left out). */
export function toDoc(a: CJointArrangement): Record<string, unknown> {
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

const UNSET_OPTIONAL = ['disagreeDepartment', 'disagreeBy', 'disagreeByName', 'disagreeComment', 'disagreeAt', 'decidedBy', 'decidedByName', 'decidedAt'];

export function cJointRepo(models: Models) {
  const col = models.CJoint.collection as unknown as mongo.Collection;
  return {
    async get(creditCode: string): Promise<CJointArrangement | undefined> {
      const d = await col.findOne({ _id: creditCode as never });
      return d ? fromDoc(d) : undefined;
    },

    /** Every arrangement (a small collection), by credit code. */
    async all(): Promise<CJointArrangement[]> {
      return (await col.find({}).sort({ _id: 1 }).toArray()).map(fromDoc);
    },

    /** Arrangements in force (agreed or decided): what a C draw joins tasks by. */
    async inForce(): Promise<CJointArrangement[]> {
      return (await col.find({ status: { $in: ['agreed', 'decided'] } }).toArray()).map(fromDoc);
    },

    /** False if the entity already has an arrangement (someone proposed first). */
    create: (a: CJointArrangement): Promise<boolean> => insertOnce(col, toDoc(a)),

    /** Writes the arrangement over the version read (a.version must be that version + 1); false if it changed meanwhile. */
    async replace(a: CJointArrangement, readVersion: number): Promise<boolean> {
      const { _id, ...rest } = toDoc(a);
      const unset = Object.fromEntries(UNSET_OPTIONAL.filter((k) => !(k in rest)).map((k) => [k, '']));
      const r = await col.updateOne({ _id: _id as never, version: readVersion }, { $set: rest, ...(Object.keys(unset).length ? { $unset: unset } : {}) });
      return r.modifiedCount === 1;
    },
  };
}

export type CJointRepo = ReturnType<typeof cJointRepo>;
