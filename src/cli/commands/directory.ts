import { parseArgs } from 'node:util';
import { configOrExit } from '../../config';
import { createLogger } from '../../logger';
import { cliCaller } from '../../services/context';
import { syncReportText, type DirectoryPlatform } from '../../services/directory';
import { directorySources } from '../../../bot/channels/directory';
import type { App } from '../../app';
import type { CliCommand, Io } from './index';

const HELP = `usage:
  npm run cli -- directory sync [--platform wecom|dingtalk] [--dry-run]
  npm run cli -- directory map <通讯录部门> <成员单位>
  npm run cli -- directory mappings
sync fetches the organisation of every configured platform (or one), creates and updates people,
deactivates those who left (never deletes); --dry-run only shows what would change.
`;

export const directoryCommand: CliCommand = {
  summary: 'sync people from the WeCom / DingTalk directory; department mappings',
  async run(args, app, io) {
    const [sub, ...rest] = args;
    if (sub === 'map' && rest.length === 2) {
      const r = await app.services.directory.map(cliCaller(), rest[0]!, rest[1]!);
      io.out(`${rest[0]} → ${r.unit}${r.before ? `（原为 ${r.before}）` : ''}\n`);
      return 0;
    }
    if (sub === 'mappings') {
      for (const m of await app.services.directory.mappings()) io.out(`${m.platformDept}\t${m.unit}\n`);
      return 0;
    }
    if (sub !== 'sync') {
      io.err(HELP);
      return 2;
    }
    const { values } = parseArgs({ args: rest, options: { platform: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
    if (values.platform && values.platform !== 'wecom' && values.platform !== 'dingtalk') {
      io.err(HELP);
      return 2;
    }
    const config = configOrExit();
    const sources = directorySources({ config, repos: app.repos, now: app.deps.now, log: createLogger(config.LOG_LEVEL) });
    const wanted = (values.platform ? [values.platform] : ['wecom', 'dingtalk']) as DirectoryPlatform[];
    const chosen = wanted.filter((p) => sources[p]);
    if (chosen.length === 0) {
      io.err('没有可同步的平台：请先配置企业微信（WECOM_*）或钉钉（DINGTALK_*）的环境变量。\n');
      return 1;
    }
    for (const p of chosen) {
      const report = await app.services.directory.sync(cliCaller(), sources[p]!, { dryRun: Boolean(values['dry-run']) });
      io.out(`${syncReportText(report, 200)}\n`);
    }
    return 0;
  },
};

/** `import users <file>`: the same row-level report as the other imports. */
export async function importUsers(args: string[], app: App, io: Io): Promise<number> {
  const [file, ...extra] = args;
  if (!file || extra.length) {
    io.err('usage: npm run cli -- import users <file.xlsx|file.csv>\n');
    return 2;
  }
  const r = await app.services.userImport.importFile(cliCaller(), file);
  io.out(`用户导入完成：新增 ${r.imported} 人，更新 ${r.updated} 人，未变 ${r.unchanged} 人，拒绝 ${r.rejected.length} 行。\n`);
  for (const x of r.rejected.slice(0, 50)) io.out(`  第${x.row}行：${x.reason}\n`);
  return 0;
}
