import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { unitName } from '../../domain/organisation';
import { percent, ratesOf } from '../../domain/stats';
import { cliCaller } from '../../services/context';
import { statsXlsx } from '../../services/statsWorkbook';
import type { CliCommand } from './index';

const HELP = `usage:
  npm run cli -- stats [年度|2026|2026Q3|2026-09] [--dept <部门>] [--out <file.xlsx>]
The figures per member unit and for the county (R21): plans and item coverage (R12), reviews (R13),
draws, tasks, results entered and made public on time (R15), quiet-period filings (R11, R2),
C-pool coverage (R4), joint tasks, complaints (R22). Without --out, a summary per department is printed.
`;

export const statsCommand: CliCommand = {
  summary: 'statistics for a year, a quarter or a month, printed or written as xlsx (R21)',
  async runOffline(args, io) {
    if (!args.includes('--help') && !args.includes('-h')) return undefined;
    io.err(HELP);
    return 0;
  },
  async run(args, app, io) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: { dept: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help || positionals.length > 1) {
      io.err(HELP);
      return values.help ? 0 : 2;
    }
    const { stats, department } = await app.services.stats.forCaller(cliCaller(), positionals[0] ?? '', values.dept ?? '');
    if (values.out) {
      await writeFile(values.out, await statsXlsx(stats, department));
      io.out(`${stats.period.label}统计已写入 ${values.out}（${department ? unitName(department) : `${stats.departments.length}个单位和全县`}）\n`);
      return 0;
    }
    const rows = department ? stats.departments.filter((d) => d.department === department) : [...stats.departments, stats.county];
    io.out(`${stats.period.label}（${stats.period.from} 至 ${stats.period.to}，截至 ${stats.today}）\n`);
    io.out('单位\t事项覆盖\t计划\t抽取\t任务\t逾期\t按时公示\t备案(通过/未通过)\tC类覆盖\t联合检查\t投诉(受理/办结)\n');
    for (const s of rows) {
      const r = ratesOf(s);
      io.out(`${s.department === 'county' ? '全县' : unitName(s.department)}\t${percent(r.coverage)}\t${s.plans}\t${s.draws}\t${s.tasks}\t${s.tasksOverdue}\t${percent(r.onTimePublic)}\t${s.filingsAccepted}/${s.filingsRefused}\t${percent(r.cCoverage)}\t${s.jointTasks}\t${s.complaintsReceived}/${s.complaintsClosed}\n`);
    }
    for (const n of stats.notes) io.out(`注：${n}\n`);
    return 0;
  },
};
