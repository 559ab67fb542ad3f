/** Approval requests: created once per subject, then changed only over the version the decider read. */
import type { Models } from '../models';
import { insertOnce } from './keys';
import type { Approval, ApprovalKind, Step } from '../../src/domain/approval';

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

function fromDoc(d: Record<string, unknown>): ApprovalDoc {
  const { _id, fields, ...rest } = d;
  return {
    ...(rest as Omit<ApprovalDoc, 'subject' | 'fields'>),
    subject: String(_id),
    kind: rest.kind as ApprovalKind,
    steps: (rest.steps as Step[]).map((s) => ({ ...s })),
    fields: JSON.parse(String(fields ?? '[]')) as ApprovalDoc['fields'],
  };
}

function toDoc(a: ApprovalDoc): Record<string, unknown> {
  const { subject, fields, ...rest } = a;
  return { _id: subject, ...rest, fields: JSON.stringify(fields) };
}

export function approvalRepo(models: Models) {
  const col = models.Approval.collection;
  return {
    /** False if the subject already has an approval (a retry of the same submission). */
    create(a: ApprovalDoc): Promise<boolean> {
      return insertOnce(col, toDoc(a));
    },

    async get(subject: string): Promise<ApprovalDoc | undefined> {
      const d = await col.findOne({ _id: subject as never });
      return d ? fromDoc(d) : undefined;
    },

    async many(subjects: string[]): Promise<ApprovalDoc[]> {
      if (subjects.length === 0) return [];
      const docs = await col.find({ _id: { $in: subjects as never[] } }).toArray();
      return docs.map(fromDoc);
    },

    /** Writes a decided approval only over the version it was read at; false if someone decided first. */
    async replace(a: ApprovalDoc, readVersion: number): Promise<boolean> {
      const { _id, ...rest } = toDoc(a);
      const r = await col.updateOne({ _id: _id as never, version: readVersion }, { $set: rest });
      return r.modifiedCount === 1;
    },

    async pending(): Promise<ApprovalDoc[]> {
      const docs = await col.find({ status: 'pending' }).sort({ requestedAt: 1 }).toArray();
      return docs.map(fromDoc);
    },

    /** Records a reminder for the step at this version (a decision meanwhile makes it a no-op). */
    async markReminded(subject: string, version: number, at: Date): Promise<boolean> {
      const r = await col.updateOne({ _id: subject as never, version }, { $set: { remindedAt: at } });
      return r.modifiedCount === 1;
    },
  };
}

export type ApprovalRepo = ReturnType<typeof approvalRepo>;
