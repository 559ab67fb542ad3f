/**
 * Pool placements in chat (R1, R5): 调库 proposes or places; a C proposal is a
 * request (TK-<代码>) in the approval engine: every 联席办 user but the proposer
 * gets a card, it waits in 待办, one tap confirms or returns it, and the
 * proposer is told the outcome.
 */
import { normaliseCreditCode } from '../../src/domain/creditCode';
import { POOL_ALIASES, POOL_LABELS } from '../../src/domain/pools';
import { DECISION_WORDS } from '../../src/domain/status';
import { Refusal } from '../../src/services/context';
import { text } from '../types';
import { announceChange } from './approvals';
import type { CardAction, Command } from './types';

const USAGE = '调库 <统一社会信用代码> <A类|B类|C类> <理由>';

export const placeInPool: Command = {
  names: ['调库', '调整库'],
  usage: `${USAGE} — A、B类由联席办提出，C类由成员单位提出；均由联席办其他人员确认后生效（R1、R5、R20）`,
  async run(args, ctx) {
    // The code may be typed with spaces or full-width digits: everything before the pool word is the code.
    const words = args.split(/\s+/).filter(Boolean);
    const at = words.findIndex((w, i) => i > 0 && (POOL_ALIASES[w.normalize('NFKC').toUpperCase()] ?? POOL_ALIASES[w]));
    const code = normaliseCreditCode(words.slice(0, at > 0 ? at : 1).join(''));
    const poolWord = words[at > 0 ? at : 1]?.normalize('NFKC');
    const rest = words.slice(at > 0 ? at + 1 : 2);
    const pool = poolWord ? POOL_ALIASES[poolWord.toUpperCase()] ?? POOL_ALIASES[poolWord] : undefined;
    if (!code || !pool) throw new Refusal(`请按格式输入：${USAGE}，例如：调库 91361129MA35GK1L7T C类 多次投诉食品安全问题`);
    const reason = rest.join(' ');
    const result = await ctx.services.pools.place(ctx.caller, code, pool, reason);
    if (result.effective) return [text(`已将“${result.name}”（${code.toUpperCase()}）调整至${POOL_LABELS[result.pool]}。`)];
    if (result.change) announceChange(result.change, ctx);
    const n = result.change?.deciders.length ?? 0;
    const no = result.change ? `（${result.change.approval.subject}）` : '';
    return [text(`已提出将“${result.name}”纳入${POOL_LABELS[result.pending]}${no}，已送联席办确认（${n}人），确认后生效（R1）；确认或退回时会告知您。`)];
  },
};

function decision(approve: boolean): CardAction {
  return {
    action: approve ? 'pool.confirm' : 'pool.reject',
    async run(code, ctx) {
      try {
        const { pool, change } = await ctx.services.pools.decideRequest(ctx.caller, code, approve, '');
        if (change) announceChange(change, ctx);
        const verb = DECISION_WORDS[approve ? 'approved' : 'rejected'];
        return {
          replies: [text(`${verb}：${code} 现属${POOL_LABELS[pool]}。`)],
          outcome: `${verb}（${ctx.caller.name}）`,
        };
      } catch (err) {
        // A second tap, or a colleague who decided first: show the result, change nothing.
        if (err instanceof Refusal && !err.rule) {
          const found = await ctx.services.registry.lookup(ctx.caller, code, 1);
          const now = found.kind === 'one' ? `现属${POOL_LABELS[found.entity.pool]}` : '';
          return { replies: [text(`该调整已处理，无需重复操作。${now}`)], outcome: `已处理${now ? `（${now}）` : ''}` };
        }
        throw err;
      }
    },
  };
}

export const poolCardActions: CardAction[] = [decision(true), decision(false)];
