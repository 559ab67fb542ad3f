/**
 * Reading a stored document's fields as the domain types them. A repo's one
 * mapper (`fromDoc`) reads each field through these instead of casting, so the
 * stored shape (store/models) and the domain type (src/domain/records) are tied
 * by checked conversions, not by `as`.
 */
import type { mongo } from 'mongoose';

/** A stored document as the driver returns it. */
export type Stored = Record<string, unknown>;

/** A document keyed by a natural string `_id` (never an ObjectId). */
export type Keyed = { _id: string } & Stored;

/** A collection of documents keyed by natural string `_id`s, so filters on `_id` type-check without casts. */
export function keyed<T extends { _id: string } = Keyed>(model: { db: { collection<D extends mongo.Document>(name: string): mongo.Collection<D> }; collection: { collectionName: string } }): mongo.Collection<T> {
  return model.db.collection<T>(model.collection.collectionName);
}

/** A counter document: `$inc` on `seq` numbers a series. */
export type CounterDoc = { _id: string; seq: number };

export const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));
export const optStr = (v: unknown): string | undefined => (v == null ? undefined : str(v));
export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
/** An optional text field: `{ key: text }` when stored, `{}` when absent (so a record never carries `key: undefined`). */
export function opt<K extends string>(key: K, v: unknown): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  if (v != null) out[key] = str(v);
  return out;
}
export const optNum = (v: unknown): number | undefined => (v == null ? undefined : num(v));
export const bool = (v: unknown): boolean => v === true;
export const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : []);

/** A stored date (a change feed carries it as milliseconds). */
export function date(v: unknown): Date {
  if (v instanceof Date) return v;
  if (typeof v === 'number' || typeof v === 'string') return new Date(v);
  throw new Error(`stored value is not a date: ${typeof v}`);
}
export const optDate = (v: unknown): Date | undefined => (v == null || v === '' ? undefined : date(v));

/** One of a closed set of words; a stored value outside it is a corrupt document. */
export function oneOf<T extends string>(allowed: readonly T[], v: unknown): T {
  const found = allowed.find((a) => a === v);
  if (found === undefined) throw new Error(`stored value ${JSON.stringify(v)} is not one of ${allowed.join(', ')}`);
  return found;
}

/** A field stored as JSON text (FerretDB 1.24 keeps no nested arrays). */
export function json<T>(v: unknown): T {
  const parsed: T = JSON.parse(str(v));
  return parsed;
}

/** Stored binary data as a Buffer (the driver returns a Binary, or a Buffer). */
export function bytes(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (v && typeof v === 'object' && 'buffer' in v && v.buffer instanceof Uint8Array) return Buffer.from(v.buffer);
  throw new Error('stored value is not binary data');
}
