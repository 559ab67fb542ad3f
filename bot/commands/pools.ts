/**
 * Pool placements in chat (R1, R5): 调库 proposes or places; a C proposal goes
 * to every 联席办 user as a card, and one tap confirms or returns it.
 */
import { normaliseCreditCode } from '../../src/domain/creditCode';
import { POOL_ALIASES, POOL_LABELS } from '../../src/domain/pools';
import { unitName } from '../../src/domain/organisation';
import { Refusal } from '../../src/services/context';
import type { Card } from '../cards/card';
import { text } from '../types';
import type { CardAction, Command } from './types';

const USAGE = '调库 <统一社会信用代码> <A类|B类|C类> <理由>';

export const placeInPool: Command = {
  names: ['调库', '调整库'],
  usage: `${USAGE} — A、B类由联席办调整；C类由成员单位提出、联席办确认（R1）`,
  async run(args, ctx) {
    // The code may be typed with spaces or full-width digits: everything before the pool word is the code.
    const words = args.split(/\s+/).filter(Boolean);
    const at = words.findIndex((w, i) => i > 0 && (POOL_ALIASES[w.normalize('NFKC').toUpperCase()] ?? POOL_ALIASES[w]));
    const code = normaliseCreditCode(words.slice(0, at > 0 ? at : 1).join(''));
    const poolWord = words[at > 0 ? at : 1]?.normalize('NFKC');
    const rest = words.slice(at > 0 ? at + 1 : 2);
    const pool = poolWord ? POOL_ALIASES[poolWord.toUpperCase()] ?? POOL_ALIASES[poolWord] : undefined;
    if (!code || !pool) return [text(`请按格式输入：${USAGE}，例如：调库 91361129MA35GK1L7T C类 多次投诉食品安全问题`)];
    const reason = rest.join(' ');
    const result = await ctx.services.pools.place(ctx.caller, code, pool, reason);
    if (result.effective) return [text(`已将 ${code.toUpperCase()} 调整至${POOL_LABELS[result.pool]}。`)];
    const entity = await ctx.services.registry.lookup(ctx.caller, code, 1);
    const name = entity.kind === 'one' ? entity.entity.name : code.toUpperCase();
    const office = await ctx.services.users.withRole('office');
    const card = (userId: string): Card => ({
      // WeCom task_id: letters, digits and _-@ only, at most 128.
      cardId: `pool_${code.toUpperCase()}_${Date.now().toString(36)}_${userId}`.replace(/[^A-Za-z0-9_@-]/g, '_').slice(0, 128),
      title: `${POOL_LABELS[result.pending]}调整待确认`,
      description: `${unitName(ctx.caller.department)} ${ctx.caller.name} 提出（R1：C类名单由联席办确定）`,
      fields: [
        { label: '主体', value: name },
        { label: '信用代码', value: code.toUpperCase() },
        { label: '理由', value: reason },
      ],
      buttons: [
        { key: `pool.confirm:${code.toUpperCase()}`, label: '同意', style: 'primary' },
        { key: `pool.reject:${code.toUpperCase()}`, label: '退回', style: 'danger' },
      ],
    });
    for (const u of office) ctx.notify(u.userId, { kind: 'card', card: card(u.userId) });
    return [text(`已提出将“${name}”纳入${POOL_LABELS[result.pending]}，已送联席办确认（${office.length}人），确认后生效（R1）。`)];
  },
};

function decision(approve: boolean): CardAction {
  return {
    action: approve ? 'pool.confirm' : 'pool.reject',
    async run(code, ctx) {
      try {
        const pool = await ctx.services.pools.decide(ctx.caller, code, approve, '');
        const verb = approve ? '已同意' : '已退回';
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
