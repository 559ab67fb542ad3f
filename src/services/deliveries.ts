/** The dead-letter list of the outbox, for admins: see what could not be sent, and send it again. */
import { Refusal, type Caller, type Deps } from './context';
import { requireRole } from './roles';
import type { OutboxEntry } from '../../store/repos/outbox';

export function deliveryService({ repos, now }: Deps) {
  function adminOnly(caller: Caller) {
    requireRole(caller, ['admin'], '查看和重发发送失败的消息');
  }
  return {
    async dead(caller: Caller, limit: number): Promise<OutboxEntry[]> {
      adminOnly(caller);
      return repos.outbox.dead(limit);
    },
    async resend(caller: Caller, id: string): Promise<void> {
      adminOnly(caller);
      if (!(await repos.outbox.resend(id.trim(), now()))) throw new Refusal(`没有编号为 ${id.trim()} 的发送失败消息，请用“发送失败”查看编号`);
      await repos.audit.append({
        at: now(), actor: caller.userId, channel: caller.channel, action: 'outbox.resend', target: `outbox:${id.trim()}`, changes: [], note: '',
      });
    },
  };
}
