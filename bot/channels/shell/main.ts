/** `npm run chat -- --as <userid>`: talk to the bot in a terminal, interactively or piped. */
import { parseArgs } from 'node:util';
import { configOrExit } from '../../../src/config';
import { openApp } from '../../../src/app';
import { createLogger } from '../../../src/logger';
import { createRouter } from '../../router';
import { runShell } from './shell';
import { createAnnouncer } from '../../delivery/announcer';
import { wecomApi } from '../wecom/api';
import { dingtalkApi } from '../dingtalk/api';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { as: { type: 'string' } }, allowPositionals: false });
  if (!values.as) {
    process.stderr.write('usage: npm run chat -- --as <userid>   (npm run cli -- user list 可查看已登记用户)\n');
    return 2;
  }
  const config = configOrExit();
  const log = createLogger(config.LOG_LEVEL === 'debug' ? 'debug' : 'warn');
  const app = await openApp(config, (l) => log.info(l));
  try {
    const user = await app.services.users.identify('shell', values.as);
    if (!user) {
      process.stdout.write(`您好，用户“${values.as}”尚未在监管助手中登记（或已停用）。请联系系统管理员登记，或用 npm run cli -- user list 查看已登记用户。\n`);
      return 1;
    }
    const interactive = Boolean(process.stdin.isTTY);
    if (interactive) process.stdout.write(`您好，${user.name}。发送“帮助”查看命令，“切换 <用户ID>”换一个用户，“退出”结束。\n`);
    // Announcements are queued in the outbox; a running server (npm start) sends them. Where a platform
    // is configured, its sender is here too, for what must happen at once: a robot binding's check
    // message (绑定群机器人) and a WeCom app group chat (建群); robots bound from the chat are found as the server finds them.
    const now = () => new Date();
    const { repos } = app;
    const robots = app.services.robots;
    const wecom = config.WECOM_CORP_ID ? wecomApi({ config, tokens: repos.tokens, files: repos.files, now, log, resolveRobot: (ref) => robots.resolveRef('wecom', ref) }) : undefined;
    const dingtalk = config.DINGTALK_APP_KEY ? dingtalkApi({ config, tokens: repos.tokens, files: repos.files, dingtalk: repos.dingtalk, now, log, resolveRobot: (ref) => robots.resolveRef('dingtalk', ref) }) : undefined;
    const announcer = createAnnouncer({ config, repos, now, robots, senders: { wecom, dingtalk } });
    const router = createRouter({ services: app.services, log, pageSize: config.CHAT_PAGE_SIZE, announcer });
    const known = async (id: string) => (await app.services.users.identify('shell', id))?.name;
    await runShell(router, values.as, process.stdin, process.stdout, interactive, known);
    return 0;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  },
);
