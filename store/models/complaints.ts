/**
 * Complaints from the public (R22): one document per complaint (`_id` = its number, TS2026-0001),
 * the public form's per-address counters (`_id` = "<address digest>:<hour>") and the form's
 * signing key (`_id` = "form-key"). Flat, for FerretDB 1.24.
 */
import { Schema } from 'mongoose';

const opts = { versionKey: false as const, strict: 'throw' as const };

export const complaintSchema = new Schema(
  {
    _id: String,
    year: { type: Number, required: true },
    source: { type: String, required: true, enum: ['web', 'hotline'] },
    queryHash: { type: String, required: true },
    receivedAt: { type: Date, required: true },
    receivedBy: { type: String, required: true },
    entityText: { type: String, required: true },
    creditCode: { type: String, default: '' },
    entityName: { type: String, default: '' },
    content: { type: String, required: true },
    contact: { type: String, default: '' },
    matter: { type: String, default: '' },
    department: { type: String, default: '' },
    routeNote: { type: String, default: '' },
    status: { type: String, required: true, enum: ['unrouted', 'received', 'acknowledged', 'closed'] },
    ackDue: { type: String, default: '' },
    routedAt: { type: Date },
    acknowledgedAt: { type: Date },
    acknowledgedBy: { type: String, default: '' },
    filingNo: { type: String, default: '' },
    outcome: { type: String, default: '' },
    closedAt: { type: Date },
    closedBy: { type: String, default: '' },
    version: { type: Number, required: true },
  },
  opts,
);
complaintSchema.index({ year: 1 });
complaintSchema.index({ status: 1 });

/** Per-address hits of the public form in one hour, and the form's key (small; purged hourly). */
export const complaintGateSchema = new Schema(
  {
    _id: String,
    count: { type: Number, default: 0 },
    key: { type: String },
    expiresAt: { type: Date },
  },
  opts,
);
complaintGateSchema.index({ expiresAt: 1 });
