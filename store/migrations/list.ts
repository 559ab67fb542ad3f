/**
 * The schema's history: one entry per change to how documents are stored, in
 * order. A migration must be idempotent (a process that dies half-way leaves the
 * version unrecorded, and the next start runs the migration again) and must not
 * need transactions (FerretDB 1.24, standalone MongoDB).
 */
import type { mongo } from 'mongoose';

export interface Migration {
  /** 1, 2, 3, …: the schema version the database is at once this has run. */
  version: number;
  name: string;
  up(db: mongo.Db, log: (line: string) => void): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    // Documents as the first release writes them. A database made before
    // versions were recorded is at this version as it is: nothing to rewrite.
    version: 1,
    name: 'baseline: documents as written by release 0.1',
    async up() {
      // nothing to change
    },
  },
];

/** The newest version this program knows (what a backup records, what restore accepts up to). */
export const SCHEMA_VERSION = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);
