/**
 * `npm run cli -- export <gsxt|jgxw|jiangxi> --from <date> --to <date> [--out file]`: the
 * exports the national and provincial systems take in (src/services/exports.ts; the columns
 * are in docs/exports.md). xlsx, or CSV (UTF-8 with BOM) when --out ends in .csv.
 */
import { parseArgs } from 'node:util';
import { exportService, writeExport } from '../../services/exports';
import type { CliCommand } from './index';

const HELP = `usage:
  npm run cli -- export <target> --from <YYYY-MM-DD> --to <YYYY-MM-DD> [--out <file.xlsx|file.csv>]
targets (columns in docs/exports.md):
  gsxt      国家企业信用信息公示系统: 双随机抽查结果 (published results, by completion date)
  jgxw      互联网+监管 系统: 行政检查行为 (approved results, with certificate numbers: for officials only)
  jiangxi   省双随机平台: plans, draws, tasks and results in one workbook
Dates are Beijing dates. CSV is UTF-8 with a BOM; a workbook of several sheets becomes one CSV per sheet.
`;

export const exportCommand: CliCommand = {
  summary: 'export results for the national and provincial systems (gsxt, jgxw, jiangxi; xlsx or CSV)',
  async run(args, app, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } } });
    const target = positionals[0];
    if (!target || positionals.length !== 1 || !values.from || !values.to) {
      io.err(HELP);
      return 2;
    }
    const svc = exportService(app.repos, { now: app.deps.now, mode: app.services.policy.publicationMode });
    const sheets = await svc.sheets(target, { from: values.from, to: values.to });
    const files = await writeExport(sheets, values.out ?? `${target}-${values.from}-${values.to}.xlsx`);
    const rows = sheets.map((s) => `${s.name} ${s.rows.length} 行`).join('，');
    io.out(`已导出 ${target}（${values.from} 至 ${values.to}）：${rows} → ${files.join('、')}\n`);
    if (target === 'jgxw') io.out('注意：该文件含执法证号，仅供报送互联网+监管系统，请勿公开。\n');
    return 0;
  },
};
