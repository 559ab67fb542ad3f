/** The Inbox the webhooks write to: records each platform message once. */
import type { Repos } from '../store/repos';
import type { Inbox, InboundMessage } from './channels/contracts';

export function createInbox(repos: Repos, now: () => Date): Inbox {
  return {
    accept: (msg: InboundMessage) => repos.inbound.record(msg, now()),
  };
}
