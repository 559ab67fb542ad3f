/**
 * The shell channel (Hubot's shell adapter): lines from a stream in, replies
 * out, through the very same router as WeCom and DingTalk.
 */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Router } from '../../router';
import { replyText } from '../../types';

/** The shell's own word to play another registered user: "切换 scj.leader". */
export const SWITCH_WORD = '切换';

/**
 * Runs a conversation as `userId` until the input ends (or the user types 退出).
 * "切换 <用户ID>" changes who is speaking, so one terminal can walk a request
 * through official, leader, 联席办 and 司法局; `known` says whether an id is registered.
 */
export async function runShell(router: Router, userId: string, input: Readable, out: Writable, interactive: boolean,
  known: (id: string) => Promise<string | undefined>): Promise<void> {
  const rl = readline.createInterface({ input, terminal: false });
  const prompt = () => { if (interactive) out.write(`${userId}> `); };
  prompt();
  for await (const line of rl) {
    const t = line.trim();
    if (t === '退出' || t === 'exit' || t === 'quit') break;
    const sw = new RegExp(`^${SWITCH_WORD}\\s+(\\S+)$`).exec(t);
    if (sw) {
      const name = await known(sw[1]);
      if (name) {
        userId = sw[1];
        out.write(`（已切换为 ${name}（${userId}））\n\n`);
      } else out.write(`（用户“${sw[1]}”未登记或已停用，仍以 ${userId} 身份对话。npm run cli -- user list 可查看已登记用户）\n\n`);
    } else if (t) {
      const outcome = await router.respond({ channel: 'shell', senderId: userId, text: t });
      for (const r of outcome.replies) out.write(`${replyText(r)}\n\n`);
      // In the shell the other users' messages are shown here, so one terminal can play every role.
      for (const n of outcome.notices) out.write(`（发给 ${n.userId}）\n${replyText(n.reply)}\n\n`);
      if (outcome.cardOutcome) out.write(`（卡片已更新：${outcome.cardOutcome}）\n\n`);
    }
    prompt();
  }
  rl.close();
}
