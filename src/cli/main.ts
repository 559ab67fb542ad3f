/**
 * Administration: `npm run cli -- <command> ...`
 *   import entities|inspectors|items <file> [--json] [--from-row N]
 *   demo
 *   user add|list ...
 *   pool place|decide ...
 *   draw export <抽取编号> [--out file] | draw verify <file>
 *   backup <dir> | restore <dir> [--check]
 *   directory sync [--platform wecom|dingtalk] [--dry-run] | directory map <通讯录部门> <成员单位>
 */
import { configOrExit } from '../config';
import { openApp } from '../app';
import { Refusal, renderRefusal } from '../services/context';
import { COMMANDS, usage } from './commands';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(usage());
    return name ? 2 : 0;
  }
  const io = { out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s), isTTY: Boolean(process.stderr.isTTY) };
  // One error path: a refusal is the user's to fix, said as the chat says it (with its rule); anything else is a crash.
  const refused = (err: unknown): number => {
    if (!(err instanceof Refusal)) throw err;
    process.stderr.write(`${renderRefusal(err)}\n`);
    return 1;
  };
  try {
    const offline = await command.runOffline?.(rest, io);
    if (offline !== undefined) return offline;
  } catch (err) {
    return refused(err);
  }
  const config = configOrExit();
  const app = await openApp(config, (l) => process.stderr.write(`${l}\n`));
  try {
    return await command.run(rest, app, io);
  } catch (err) {
    return refused(err);
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  },
);
