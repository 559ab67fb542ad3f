import { parseArgs } from 'node:util';
import { POOL_ALIASES, POOL_LABELS } from '../../domain/pools';
import { Refusal } from '../../services/context';
import type { CliCommand } from './index';

const HELP = `usage:
  npm run cli -- pool place <credit code> <A|B|C> --as <userid> --reason <理由>
  npm run cli -- pool decide <credit code> <approve|reject> --as <userid> [--comment <意见>]
A placements are made by 联席办; a C placement is proposed by a member unit and takes effect when 联席办 confirms (R1).
`;

export const poolCommand: CliCommand = {
  summary: 'place an entity in pool A/B/C, or confirm a proposed C placement (R1)',
  async run(args, app, io) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: { as: { type: 'string' }, reason: { type: 'string' }, comment: { type: 'string' } },
    });
    const [sub, code, what] = positionals;
    if (!values.as || !code || !what || (sub !== 'place' && sub !== 'decide')) {
      io.err(HELP);
      return 2;
    }
    const user = await app.services.users.identify('shell', values.as);
    if (!user) throw new Refusal(`用户“${values.as}”未登记或已停用`);
    const caller = { ...user, channel: 'cli' as const };
    if (sub === 'place') {
      const pool = POOL_ALIASES[what.toUpperCase()];
      if (!pool) throw new Refusal(`库“${what}”无效，请用 A、B 或 C`);
      const r = await app.services.pools.place(caller, code, pool, values.reason ?? '');
      io.out(r.effective ? `已调整至${POOL_LABELS[r.pool]}\n` : `已提出拟入${POOL_LABELS[r.pending]}，待联席办确认（R1）\n`);
      return 0;
    }
    if (what !== 'approve' && what !== 'reject') {
      io.err(HELP);
      return 2;
    }
    const pool = await app.services.pools.decide(caller, code, what === 'approve', values.comment ?? '');
    io.out(`已处理，现属${POOL_LABELS[pool]}\n`);
    return 0;
  },
};
