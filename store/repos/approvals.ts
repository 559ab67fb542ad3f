/** Approval requests: created once per subject, then changed only over the version the decider read. */
import type { Models } from '../models';
import { insertOnce } from './keys';
import { APPROVAL_KINDS, type ApprovalKind, type EarlierStep, type Step } from '../../src/domain/approval';
import { ROLES } from '../../src/domain/organisation';
import type { ApprovalDoc } from '../../src/domain/records/approval';
import { date, json, keyed, num, oneOf, optDate, optStr, str, strs, type Keyed, type Stored } from './read';

const KINDS: readonly ApprovalKind[] = APPROVAL_KINDS;
const OUTCOMES: readonly Step['outcome'][] = ['waiting', 'pending', 'approved', 'rejected'];
const STATUSES: readonly ApprovalDoc['status'][] = ['pending', 'approved', 'rejected'];

function stepFrom(s: Stored): Step {
  const by = optStr(s.by);
  const byName = optStr(s.byName);
  const at = optDate(s.at);
  const comment = optStr(s.comment);
  return {
    role: oneOf(ROLES, s.role), department: str(s.department), label: str(s.label), outcome: oneOf(OUTCOMES, s.outcome),
    ...(by !== undefined ? { by } : {}), ...(byName !== undefined ? { byName } : {}),
    ...(at !== undefined ? { at } : {}), ...(comment !== undefined ? { comment } : {}),
  };
}
const records = (v: unknown): Stored[] => (Array.isArray(v) ? v.filter((x): x is Stored => typeof x === 'object' && x !== null) : []);

/** The approvals repo's one mapper: a stored approval document → the domain's approval record. */
export function fromDoc(d: Stored): ApprovalDoc {
  const remindedAt = optDate(d.remindedAt);
  const earlier: EarlierStep[] | undefined = Array.isArray(d.earlier)
    ? records(d.earlier).map((s) => ({ ...stepFrom(s), round: num(s.round) }))
    : undefined;
  return {
    kind: oneOf(KINDS, d.kind),
    subject: str(d._id),
    title: str(d.title),
    requestedBy: str(d.requestedBy),
    requesterDepartment: str(d.requesterDepartment),
    requestedAt: date(d.requestedAt),
    steps: records(d.steps).map(stepFrom),
    current: num(d.current),
    status: oneOf(STATUSES, d.status),
    version: num(d.version),
    waitingSince: date(d.waitingSince),
    ...(remindedAt ? { remindedAt } : {}),
    ...(earlier ? { earlier } : {}),
    fields: json<ApprovalDoc['fields']>(d.fields ?? '[]'),
    flags: strs(d.flags),
  };
}

function toDoc(a: ApprovalDoc): Keyed {
  const { subject, fields, ...rest } = a;
  return { _id: subject, ...rest, fields: JSON.stringify(fields) };
}

export function approvalRepo(models: Models) {
  const col = keyed(models.Approval);
  return {
    /** False if the subject already has an approval (a retry of the same submission). */
    create(a: ApprovalDoc): Promise<boolean> {
      return insertOnce(col, toDoc(a));
    },

    async get(subject: string): Promise<ApprovalDoc | undefined> {
      const d = await col.findOne({ _id: subject });
      return d ? fromDoc(d) : undefined;
    },

    async many(subjects: string[]): Promise<ApprovalDoc[]> {
      if (subjects.length === 0) return [];
      const docs = await col.find({ _id: { $in: subjects } }).toArray();
      return docs.map(fromDoc);
    },

    /** Writes a decided approval only over the version it was read at; false if someone decided first. */
    async replace(a: ApprovalDoc, readVersion: number): Promise<boolean> {
      const { _id, ...rest } = toDoc(a);
      const r = await col.updateOne({ _id: _id, version: readVersion }, { $set: rest });
      return r.modifiedCount === 1;
    },

    async pending(): Promise<ApprovalDoc[]> {
      const docs = await col.find({ status: 'pending' }).sort({ requestedAt: 1 }).toArray();
      return docs.map(fromDoc);
    },

    /** Records a reminder for the step at this version (a decision meanwhile makes it a no-op). */
    async markReminded(subject: string, version: number, at: Date): Promise<boolean> {
      const r = await col.updateOne({ _id: subject, version }, { $set: { remindedAt: at } });
      return r.modifiedCount === 1;
    },
  };
}

export type ApprovalRepo = ReturnType<typeof approvalRepo>;
