/**
 * Guided conversations (新建计划, 备案): one per user, kept in the database so any
 * process can take the next message. Each answer refreshes the expiry; an
 * abandoned conversation expires and leaves nothing behind — drafts are only
 * written to the registry when the user submits.
 */
import type { SessionDoc } from '../../store/repos/sessions';
import type { Deps } from './context';

export interface FlowState {
  step: string;
  data: Record<string, unknown>;
}

export function conversationService({ repos, now, policy }: Deps) {
  const ttlMs = () => (policy?.conversationMinutes ?? 30) * 60_000;
  return {
    /** The user's live conversation, or the one that just expired (deleted now, so it is reported once). */
    async current(userId: string): Promise<{ session?: SessionDoc; expired?: SessionDoc }> {
      const s = await repos.sessions.get(userId);
      if (!s) return {};
      if (s.expiresAt.getTime() <= now().getTime()) {
        await repos.sessions.end(userId, s.version);
        return { expired: s };
      }
      return { session: s };
    },
    /** Starts a conversation; false if the user already has one. */
    async begin(userId: string, flow: string, state: FlowState): Promise<boolean> {
      const at = new Date(now().getTime() + ttlMs());
      return (await repos.sessions.save({ userId, flow, ...state, expiresAt: at }, undefined)) !== undefined;
    },
    /** The next step, over the version read; undefined if another message moved the conversation meanwhile. */
    async advance(s: SessionDoc, state: FlowState): Promise<SessionDoc | undefined> {
      const expiresAt = new Date(now().getTime() + ttlMs());
      const next = { userId: s.userId, flow: s.flow, ...state, expiresAt };
      const version = await repos.sessions.save(next, s.version);
      return version === undefined ? undefined : { ...next, version };
    },
    async end(userId: string, version?: number): Promise<void> {
      await repos.sessions.end(userId, version);
    },
    minutes: () => policy?.conversationMinutes ?? 30,
    purgeExpired: () => repos.sessions.purgeExpired(now()),
  };
}

export type ConversationService = ReturnType<typeof conversationService>;
