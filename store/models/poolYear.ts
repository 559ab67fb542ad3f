/**
 * Collections of the pools' year (R4, R5, R6): the yearly adjustment (a header
 * and its lines in chunks, so a 300,000-line adjustment stays under the
 * document size limit), applications for the A pool, and the credit-risk class
 * history with its change list. Flat documents, natural keys as `_id`.
 */
import { Schema, type Connection } from 'mongoose';

const opts = { versionKey: false as const, strict: 'throw' as const };

const poolAdjustment = new Schema(
  {
    _id: String,
    year: { type: Number, required: true },
    status: { type: String, required: true, enum: ['draft', 'applying', 'applied'] },
    since: { type: Date },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    total: { type: Number, required: true },
    chunks: { type: Number, required: true },
    counts: { type: String, default: '{}' },
    rejected: { type: [Number], default: [] },
    rejectNote: { type: String, default: '' },
    appliedBy: { type: String, default: '' },
    appliedAt: { type: Date },
    applied: { type: Number, default: 0 },
    version: { type: Number, required: true },
  },
  opts,
);
poolAdjustment.index({ status: 1 });

const poolAdjustmentLines = new Schema({ _id: String, lines: { type: String, required: true } }, opts);

const poolApplication = new Schema(
  {
    _id: String,
    creditCode: { type: String, required: true },
    kind: { type: String, required: true, enum: ['apply', 'recommend'] },
    department: { type: String, required: true },
    reason: { type: String, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
    status: { type: String, required: true, enum: ['open', 'used'] },
  },
  opts,
);
poolApplication.index({ status: 1 });

const riskHistory = new Schema({ _id: String, entries: { type: [String], default: [] }, version: { type: Number, required: true } }, opts);

const riskChange = new Schema(
  {
    _id: String,
    creditCode: { type: String, required: true },
    from: { type: String, required: true },
    to: { type: String, required: true },
    date: { type: String, required: true },
    source: { type: String, required: true },
    at: { type: Date, required: true },
  },
  opts,
);
riskChange.index({ at: 1 });

/** A yearly milestone done once (the joint inspector pool confirmed, R8): `_id` '<what>:<年度>'. */
const yearMilestone = new Schema({ _id: String, at: { type: Date, required: true }, by: { type: String, required: true }, note: { type: String, default: '' } }, opts);

export function poolYearModels(conn: Connection) {
  return {
    YearMilestone: conn.model('YearMilestone', yearMilestone, 'year_milestones'),
    PoolAdjustment: conn.model('PoolAdjustment', poolAdjustment, 'pool_adjustments'),
    PoolAdjustmentLines: conn.model('PoolAdjustmentLines', poolAdjustmentLines, 'pool_adjustment_lines'),
    PoolApplication: conn.model('PoolApplication', poolApplication, 'pool_applications'),
    RiskHistory: conn.model('RiskHistory', riskHistory, 'risk_history'),
    RiskChange: conn.model('RiskChange', riskChange, 'risk_changes'),
  };
}
