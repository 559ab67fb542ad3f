/**
 * Guided conversations (新建计划, 备案): one per user, kept in the database so any
 * process can take the next message. Each answer refreshes the expiry; an
 * abandoned conversation expires and leaves nothing behind — drafts are only
 * written to the registry when the user submits.
 */
import type { SessionDoc } from '../domain/records/session';
import type { Deps } from './context';

export interface FlowState {
  step: string;
  data: Record<string, unknown>;
}

/** How long a turn may hold a conversation if its process dies mid-turn. */
export const TURN_LEASE_MS = 60_000;

export function conversationService({ repos, now, policy }: Deps) {
  const ttlMs = () => (policy?.conversationMinutes ?? 30) * 60_000;
  return {
    /**
     * The user's live conversation, or the one that just expired (deleted now, so it is reported once).
     * `read`: the user's stored conversation as already read (`peek`), so it is not read again.
     */
    async current(userId: string, read?: Promise<SessionDoc | undefined>): Promise<{ session?: SessionDoc; expired?: SessionDoc }> {
      const s = await (read ?? repos.sessions.get(userId));
      if (!s) return {};
      if (s.expiresAt.getTime() <= now().getTime()) {
        await repos.sessions.end(userId, s.version);
        return { expired: s };
      }
      return { session: s };
    },
    /** The stored conversation of this user id as it is (expired or not): a read only, for `current`. */
    peek: (userId: string): Promise<SessionDoc | undefined> => repos.sessions.get(userId),
    /** Starts a conversation; false if the user already has one. */
    async begin(userId: string, flow: string, state: FlowState): Promise<boolean> {
      const at = new Date(now().getTime() + ttlMs());
      return (await repos.sessions.save({ userId, flow, ...state, expiresAt: at }, undefined)) !== undefined;
    },
    /**
     * Takes the turn for one message: over the version read, and only if no other message's turn
     * is in progress. The conversation stays held until `advance` or `end` with the returned
     * version (or `release` on failure); a turn cut off by a crash is freed after `TURN_LEASE_MS`.
     * Undefined if another message has it.
     */
    async claim(s: SessionDoc): Promise<SessionDoc | undefined> {
      const at = now().getTime();
      if (s.busyUntil && s.busyUntil.getTime() > at) return undefined;
      const held = { userId: s.userId, flow: s.flow, step: s.step, data: s.data, expiresAt: s.expiresAt, busyUntil: new Date(at + TURN_LEASE_MS) };
      const version = await repos.sessions.save(held, s.version);
      return version === undefined ? undefined : { ...held, version };
    },
    /** The next step, written over the version claimed; frees the conversation for the next message. */
    async advance(s: SessionDoc, state: FlowState): Promise<SessionDoc | undefined> {
      const expiresAt = new Date(now().getTime() + ttlMs());
      const next = { userId: s.userId, flow: s.flow, ...state, expiresAt };
      const version = await repos.sessions.save(next, s.version);
      return version === undefined ? undefined : { ...next, version };
    },
    /** Gives a claimed turn back unchanged (the turn failed). */
    async release(s: SessionDoc): Promise<void> {
      await repos.sessions.save({ userId: s.userId, flow: s.flow, step: s.step, data: s.data, expiresAt: s.expiresAt }, s.version);
    },
    async end(userId: string, version?: number): Promise<void> {
      await repos.sessions.end(userId, version);
    },
    minutes: () => policy?.conversationMinutes ?? 30,
    purgeExpired: () => repos.sessions.purgeExpired(now()),
  };
}

export type ConversationService = ReturnType<typeof conversationService>;
