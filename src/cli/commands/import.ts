/**
 * `npm run cli -- import entities|inspectors|items <file> [--json] [--from-row N] [--as <userid>]`
 * Exit 0 when the import ran (even with rejected rows), 1 when it was refused.
 */
import { parseArgs } from 'node:util';
import { cliCaller, Refusal, type Caller } from '../../services/context';
import type { RegistryKind } from '../../services/importer';
import type { CliCommand } from './index';
import { importUsers } from './directory';

const KINDS: Record<RegistryKind, string> = {
  entities: '市场主体名录',
  inspectors: '执法检查人员名录',
  items: '检查事项清单',
};

const HELP = `usage:
  npm run cli -- import entities|inspectors|items <file.xlsx|file.csv> [--json] [--from-row N] [--as <userid>]
  npm run cli -- import lenient <file.xlsx|file.csv> [--json]
    entities    market entities (市场主体名录), new ones go to pool B (R1)
    inspectors  inspector directory (执法检查人员名录, R7/R8/R8a)
    items       inspection item list (检查事项清单, R9)
    lenient     a department's list of minor first violations exempt from penalty (免罚清单, R18):
                部门, 序号, 事项编码, 违法行为描述, 适用条件, 法律依据
  --json        print {"imported","updated","unchanged","rejected":[{"row","reason"}],"runId"} on stdout
  --from-row N  resume at spreadsheet row N (header = row 1) after an interrupted import
  --as <userid> act as this registered user (default: the operator, as admin)
  npm run cli -- import risk <file.xlsx|file.csv> [--json] [--as <userid>]
    risk        credit-risk classification results (R6): 统一社会信用代码, 信用风险分类 (低/一般/较高/高 or A/B/C/D),
                分类日期, 来源; the class history is kept, the newest sets the class
  npm run cli -- import users <file.xlsx|file.csv>
    users       people: 账号, 姓名, 部门, 角色 (、-separated), 企业微信账号, 钉钉账号, 手机号
`;

/** Rejected rows shown in the plain-text summary; --json lists them all. */
const SHOWN_REJECTS = 20;

export const importCommand: CliCommand = {
  summary: 'import market entities, inspectors or inspection items from .xlsx/.csv (idempotent, resumable)',
  async run(args, app, io) {
    if (args[0] === 'users') return importUsers(args.slice(1), app, io);
    let parsed;
    try {
      parsed = parseArgs({
        args, allowPositionals: true,
        options: { json: { type: 'boolean' }, 'from-row': { type: 'string' }, as: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      });
    } catch (err) {
      io.err(`${(err as Error).message}\n${HELP}`);
      return 2;
    }
    const { values, positionals } = parsed;
    const [kind, file, ...extra] = positionals;
    if (kind === 'lenient' && file && extra.length === 0) {
      // 免罚清单 (R18): 部门, 序号, 事项编码, 违法行为描述, 适用条件, 法律依据.
      const r = await app.services.results.importLenient(cliCaller(), file);
      if (values.json) io.out(`${JSON.stringify(r)}\n`);
      else io.out(`免罚清单：导入 ${r.imported} 条，拒绝 ${r.rejected.length} 条${r.rejected.slice(0, SHOWN_REJECTS).map((x) => `\n  第${x.row}行：${x.reason}`).join('')}\n`);
      return 0;
    }
    if (kind === 'risk' && file && extra.length === 0) {
      const user = values.as ? await app.services.users.identify('shell', values.as) : undefined;
      if (values.as && !user) throw new Refusal(`用户“${values.as}”未登记或已停用，请先用 user add 登记`);
      const r = await app.services.riskImport.importFile(user ? { ...user, channel: 'cli' } : cliCaller(), file);
      if (values.json) io.out(`${JSON.stringify(r)}\n`);
      else io.out(`信用风险分类：变更 ${r.changed} 户，未变 ${r.unchanged} 条，已导入过 ${r.repeated} 条，拒绝 ${r.rejected.length} 行${r.rejected.slice(0, SHOWN_REJECTS).map((x) => `\n  第${x.row}行：${x.reason}`).join('')}\n`);
      return 0;
    }
    if (values.help || !kind || !file || extra.length || !Object.hasOwn(KINDS, kind)) {
      io.err(HELP);
      return 2;
    }
    let fromRow: number | undefined;
    if (values['from-row'] !== undefined) {
      if (!/^\d{1,9}$/.test(values['from-row']) || Number(values['from-row']) < 1) {
        throw new Refusal(`--from-row 的值“${values['from-row']}”无效，请填写表格行号（正整数，表头为第1行），如 --from-row 1002`);
      }
      fromRow = Number(values['from-row']);
    }
    let caller: Caller = cliCaller();
    if (values.as) {
      const user = await app.services.users.identify('shell', values.as);
      if (!user) throw new Refusal(`用户“${values.as}”未登记或已停用，请先用 user add 登记`);
      caller = { ...user, channel: 'cli' };
    }

    const progress = io.isTTY;
    const summary = await app.services.importer.importFile(caller, kind as RegistryKind, file, {
      fromRow,
      onProgress: progress ? (n) => io.err(`\r已读取 ${n} 行…`) : undefined,
    }).finally(() => { if (progress) io.err('\r\x1b[K'); });

    if (values.json) {
      const { imported, updated, unchanged, rejected, runId } = summary;
      io.out(`${JSON.stringify({ imported, updated, unchanged, rejected, runId })}\n`);
      return 0;
    }
    const { imported, updated, unchanged, rejected } = summary;
    io.out(`${KINDS[kind as RegistryKind]}导入完成：新增 ${imported} 条，更新 ${updated} 条，未变 ${unchanged} 条，拒绝 ${rejected.length} 行（导入批次 ${summary.runId}）。\n`);
    if (rejected.length) {
      io.out('被拒绝的行（请修改后重新导入，已导入的行不会重复）：\n');
      for (const r of rejected.slice(0, SHOWN_REJECTS)) io.out(`  第${r.row}行：${r.reason}\n`);
      if (rejected.length > SHOWN_REJECTS) io.out(`  …另有 ${rejected.length - SHOWN_REJECTS} 行被拒绝，加 --json 可查看全部\n`);
    }
    return 0;
  },
};
