/**
 * `npm run cli -- backup <dir>`: every collection (stored files included) into
 * a new folder, as gzip-compressed Extended JSON lines with a manifest
 * (counts, SHA-256, schema version). See src/services/backup.ts.
 */
import { parseArgs } from 'node:util';
import { backupDatabase } from '../../services/backup';
import type { CliCommand } from './index';

const HELP = `usage:
  npm run cli -- backup <dir>     back up the database (DB_NAME) into a new or empty folder
The folder holds manifest.json (counts, SHA-256, schema version) and one <collection>.ejson.gz
per collection (MongoDB Extended JSON lines, readable with zcat); restore with: npm run cli -- restore <dir>
`;

export const backupCommand: CliCommand = {
  summary: 'back up every collection into a folder (Extended JSON lines, gzip, manifest with SHA-256)',
  async run(args, app, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    if (positionals.length !== 1) {
      io.err(HELP);
      return 2;
    }
    const dir = positionals[0];
    const started = Date.now();
    const m = await backupDatabase(app.db.conn.db!, dir, {
      dbName: app.db.conn.name,
      engine: app.db.engine,
      progress: io.isTTY ? (l) => io.err(`  ${l}\n`) : undefined,
    });
    const docs = m.collections.reduce((s, c) => s + c.documents, 0);
    const bytes = m.collections.reduce((s, c) => s + c.bytes, 0);
    io.out(`已备份数据库 ${m.database}：${m.collections.length} 个集合，${docs} 条文档，压缩后 ${(bytes / 1024 / 1024).toFixed(1)} MB，数据结构版本 ${m.schemaVersion}，用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒 → ${dir}\n`);
    return 0;
  },
};
