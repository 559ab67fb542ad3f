/**
 * Joint arrangements for overlapping C entities (R4), one per entity: _id = credit code.
 * Flat for FerretDB 1.24: the disagreement is kept in top-level fields.
 */
import { Schema } from 'mongoose';

export const cJointSchema = new Schema(
  {
    _id: String,
    entityName: { type: String, default: '' },
    lead: { type: String, required: true },
    participants: { type: [String], required: true },
    basis: { type: String, required: true, enum: ['proposer', 'items'] },
    basisNote: { type: String, default: '' },
    proposedBy: { type: String, required: true },
    proposedByName: { type: String, default: '' },
    proposedDepartment: { type: String, required: true },
    proposedAt: { type: Date, required: true },
    status: { type: String, required: true, enum: ['confirming', 'disputed', 'agreed', 'decided', 'dropped'] },
    disagreeDepartment: { type: String },
    disagreeBy: { type: String },
    disagreeByName: { type: String },
    disagreeComment: { type: String },
    disagreeAt: { type: Date },
    decidedBy: { type: String },
    decidedByName: { type: String },
    decidedAt: { type: Date },
    round: { type: Number, required: true },
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false as const, strict: 'throw' as const },
);
cJointSchema.index({ status: 1 });
