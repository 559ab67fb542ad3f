/**
 * The shell channel (Hubot's shell adapter): lines from a stream in, replies
 * out, through the very same router as WeCom and DingTalk.
 */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Router } from '../../router';
import { replyText } from '../../types';

/** Runs a conversation as `userId` until the input ends (or the user types 退出). */
export async function runShell(router: Router, userId: string, input: Readable, out: Writable, interactive: boolean): Promise<void> {
  const rl = readline.createInterface({ input, terminal: false });
  const prompt = () => { if (interactive) out.write(`${userId}> `); };
  prompt();
  for await (const line of rl) {
    const t = line.trim();
    if (t === '退出' || t === 'exit' || t === 'quit') break;
    if (t) {
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
