/**
 * An unordered insert as one `insert` command, for the hot paths that write a
 * batch of documents with their own `_id`s (the webhooks' inbox write).
 *
 * The driver's `insertMany` goes through its bulk-write machinery (an
 * operation object per document, batch splitting, a BulkWriteResult, an error
 * object built for duplicates); one `insert` command does the same write with
 * about half the driver's CPU per batch (BENCHMARKS.md, "Webhook"). The
 * server's answer says per document which failed, so a duplicate key is still
 * reported per document. The database's write concern applies as with
 * `insertMany`. Unlike `insertMany` it does not split a batch: the caller keeps
 * one batch well under the database's 16 MB message limit (bot/inbox.ts caps
 * the text per write).
 */
import { mongo } from 'mongoose';
import { DUPLICATE_KEY } from './keys';

/** A write error the server reported for one document of an insert command. */
interface CommandWriteError {
  index: number;
  code: number;
  errmsg?: string;
}

/** Thrown when the server refused a document for a reason other than a duplicate key. */
export class InsertCommandError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'InsertCommandError';
  }
}

/**
 * Inserts `docs` (each with its `_id`) into `collection` of `db`, unordered, in
 * one command; returns the indexes refused as duplicate keys. Any other
 * refusal is thrown (the caller cannot know what was stored).
 */
export async function insertUnordered(db: mongo.Db, collection: string, docs: Record<string, unknown>[]): Promise<Set<number>> {
  const dups = new Set<number>();
  if (docs.length === 0) return dups;
  const command: mongo.Document = { insert: collection, documents: docs, ordered: false };
  if (db.writeConcern) mongo.WriteConcern.apply(command, db.writeConcern);
  const reply = await db.command(command);
  const errors = (reply.writeErrors ?? []) as CommandWriteError[];
  for (const e of errors) {
    if (e.code !== DUPLICATE_KEY) throw new InsertCommandError(e.code, `insert into ${collection} refused: ${e.errmsg ?? `code ${e.code}`}`);
    dups.add(e.index);
  }
  const wce = reply.writeConcernError as { code?: number; errmsg?: string } | undefined;
  if (wce) throw new InsertCommandError(wce.code ?? 0, `insert into ${collection}: write concern not met: ${wce.errmsg ?? ''}`);
  return dups;
}
