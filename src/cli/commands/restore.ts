/**
 * `npm run cli -- restore <dir>`: a backup made by `backup`, into an empty
 * database (DB_NAME), after checking every file against the manifest.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { restoreDatabase, verifyBackup } from '../../services/backup';
import type { CliCommand } from './index';

const HELP = `usage:
  npm run cli -- restore <dir>           restore a backup into an empty database (DB_NAME)
  npm run cli -- restore <dir> --check   only check the backup (SHA-256 and counts); needs no database
Every file is checked against manifest.json first; a changed or incomplete backup is refused.
`;

export const restoreCommand: CliCommand = {
  summary: 'restore a backup folder into an empty database (checked against its manifest first)',
  async runOffline(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { check: { type: 'boolean' } } });
    if (positionals.length !== 1) {
      io.err(HELP);
      return 2;
    }
    // Refuse a damaged backup before opening (or starting) a database.
    const m = await verifyBackup(positionals[0]);
    if (!values.check) return undefined;
    io.out(`备份完好：${m.collections.length} 个集合，${m.collections.reduce((s, c) => s + c.documents, 0)} 条文档，数据结构版本 ${m.schemaVersion}，备份于 ${m.createdAt}（数据库 ${m.database}）\n`);
    return 0;
  },
  async run(args, app, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: { check: { type: 'boolean' } } });
    const started = Date.now();
    const r = await restoreDatabase(app.db.conn.db!, positionals[0], {
      owner: `${os.hostname()}:${process.pid}`,
      progress: io.isTTY ? (l) => io.err(`  ${l}\n`) : undefined,
    });
    io.out(`已恢复到数据库 ${app.db.conn.name}：${r.manifest.collections.length} 个集合，${r.documents} 条文档（备份于 ${r.manifest.createdAt}，数据结构版本 ${r.manifest.schemaVersion}${r.migrated.length ? `，已升级到 ${r.migrated[r.migrated.length - 1]}` : ''}），用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒\n`);
    return 0;
  },
};
