import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyDraw, type DrawRecord } from '../../domain/draw';
import type { CliCommand, Io } from './index';

const HELP = `usage:
  npm run cli -- draw export <抽取编号> [--out <file.json>]   write the public record (docs/draw.md §5)
  npm run cli -- draw verify <file.json> [--digest <公布摘要>]  recompute it; exit 0 when it matches, 1 at the first difference
verify needs no database: it reads only the file (SHA-256, seedrandom and docs/draw.md). Every announced
field (plan number, pool, filter, sampling, n, k, digests, commitment, rules version, time) is bound by the
announcement digest posted with the commitment: pass it with --digest to check the file against the post.
`;

/** Reads and recomputes a public record; prints the result in Chinese. */
function verifyFile(file: string, io: Io, digest?: string): number {
  let record: DrawRecord;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as DrawRecord;
  } catch (err) {
    io.err(`无法读取公开记录 ${file}：${(err as Error).message}\n`);
    return 2;
  }
  const r = verifyDraw(record, digest ? { announced: { announcementDigest: digest.trim().toLowerCase() } } : {});
  if (r.ok) {
    io.out(`一致：抽取记录（计划 ${record.planNo}，${record.n} 户中抽中 ${record.k} 户）按 ${record.rulesVersion} 重算，公布内容、种子承诺、快照、抽中主体和检查人员全部一致\n`);
    io.out(digest
      ? `公布摘要 ${record.announcementDigest} 与所给的一致\n`
      : `公布摘要 ${record.announcementDigest}：请与群内公布的抽取承诺核对（或用 --digest 传入）\n`);
    return 0;
  }
  io.out(`不一致：${r.first}\n`);
  return 1;
}

export const drawCommand: CliCommand = {
  summary: 'export a draw\'s public record, or verify one from its file',
  async runOffline(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, digest: { type: 'string' } } });
    if (positionals[0] !== 'verify') return undefined;
    if (!positionals[1]) {
      io.err(HELP);
      return 2;
    }
    return verifyFile(positionals[1], io, values.digest);
  },
  async run(args, app, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, digest: { type: 'string' } } });
    const [sub, id] = positionals;
    if (sub === 'verify' && id) return verifyFile(id, io, values.digest);
    if (sub !== 'export' || !id) {
      io.err(HELP);
      return 2;
    }
    const draw = await app.services.draws.get(id);
    if (!draw.record) {
      io.err(draw.status === 'committed'
        ? `抽取 ${draw.drawNo} 尚未开奖：种子保密，没有公开记录可导出（已公布的承诺值 ${draw.seedCommitment}）。开奖后再导出。\n`
        : `抽取 ${draw.drawNo} 没有抽取结果（${draw.status === 'failed' ? `开奖后未能完成分派：${draw.failure?.message ?? ''}` : '开奖前已作废'}），没有公开记录可导出；种子 ${draw.seed ?? '（未公开）'}，承诺值 ${draw.seedCommitment}。\n`);
      return 1;
    }
    const json = `${JSON.stringify(draw.record, null, 2)}\n`;
    if (values.out) {
      writeFileSync(values.out, json);
      io.out(`已写出抽取 ${draw.drawNo} 的公开记录：${values.out}${draw.status === 'voided' ? `（此抽取已作废：${draw.voidReason}）` : ''}\n`);
    } else {
      io.out(json);
    }
    return 0;
  },
};
