/**
 * Guided conversations (新建计划, 备案): one per user, kept in the database so any
 * process can take the next message. Each answer refreshes the expiry; an
 * abandoned conversation expires and leaves nothing behind — drafts are only
 * written to the registry when the user submits.
 */
import { randomInt } from 'node:crypto';
import type { SessionDoc } from '../domain/records/session';
import type { Deps } from './context';

export interface FlowState {
  step: string;
  data: Record<string, unknown>;
}

/** How long a turn may hold a conversation if its process dies mid-turn. */
export const TURN_LEASE_MS = 60_000;
/** How many users' conversations a process keeps its last copy of. */
const KNOWN_MAX = 10_000;

/** The user's conversation as the router takes it: `known` when it is this process's last copy, not read. */
export interface CurrentConversation {
  session?: SessionDoc;
  /** Just expired: deleted now, so it is reported once. */
  expired?: SessionDoc;
  known?: boolean;
}

export function conversationService({ repos, now, policy }: Deps) {
  const ttlMs = () => (policy?.conversationMinutes ?? 30) * 60_000;
  /**
   * The conversation this process last read or wrote, per user: the user's next message takes this
   * copy instead of reading it again. A copy is only a guess, and safe as one: every step is written
   * over the version it was taken from, so a copy that another process has moved on since fails its
   * write, and the router then takes the message again from what is stored (`lost`). A new
   * conversation starts from a random version, so a copy of an ended one can never match its
   * successor. Expired copies are never used.
   */
  const known = new Map<string, SessionDoc>();
  const keep = (s: SessionDoc): SessionDoc => {
    known.delete(s.userId);
    known.set(s.userId, s);
    if (known.size > KNOWN_MAX) known.delete(known.keys().next().value as string);
    return s;
  };
  const live = (s: SessionDoc) => s.expiresAt.getTime() > now().getTime();
  return {
    /**
     * The user's live conversation, or the one that just expired. `read`: the user's stored
     * conversation as already read (`peek`), so it is not read again. `trustKnown`: this process's
     * last copy may stand for the stored one (see `known`).
     */
    async current(userId: string, { read, trustKnown = false }: { read?: Promise<SessionDoc | undefined>; trustKnown?: boolean } = {}): Promise<CurrentConversation> {
      const copy = trustKnown ? known.get(userId) : undefined;
      if (copy && live(copy)) return { session: copy, known: true };
      const s = await (read ?? repos.sessions.get(userId));
      if (!s) {
        known.delete(userId);
        return {};
      }
      if (!live(s)) {
        known.delete(userId);
        await repos.sessions.end(userId, s.version);
        return { expired: s };
      }
      return { session: keep(s) };
    },
    /** This process's live copy of this user id's conversation, if it holds one (then `peek` is not needed): what `current` would return unread. */
    held: (userId: string): SessionDoc | undefined => {
      const copy = known.get(userId);
      return copy && live(copy) ? copy : undefined;
    },
    /** The stored conversation of this user id as it is (expired or not): a read only, for `current`. */
    peek: (userId: string): Promise<SessionDoc | undefined> => repos.sessions.get(userId),
    /**
     * A write over `s` failed. 'stale' when `s` is still this process's copy (forgotten now): nothing
     * here moved it, so another process did, and a message that took the copy unread is to be taken
     * again from what is stored. 'clash' when another message of this process moved it meanwhile.
     */
    lost(s: SessionDoc): 'stale' | 'clash' {
      if (known.get(s.userId) !== s) return 'clash';
      known.delete(s.userId);
      return 'stale';
    },
    /** Starts a conversation; false if the user already has one. */
    async begin(userId: string, flow: string, state: FlowState): Promise<boolean> {
      const at = new Date(now().getTime() + ttlMs());
      const first = randomInt(1, 2 ** 40);
      const s = { userId, flow, ...state, expiresAt: at };
      if ((await repos.sessions.save(s, undefined, first)) === undefined) {
        known.delete(userId);
        return false;
      }
      keep({ ...s, version: first });
      return true;
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
      return version === undefined ? undefined : keep({ ...held, version });
    },
    /** The next step, written over the version claimed; frees the conversation for the next message. */
    async advance(s: SessionDoc, state: FlowState): Promise<SessionDoc | undefined> {
      const expiresAt = new Date(now().getTime() + ttlMs());
      const next = { userId: s.userId, flow: s.flow, ...state, expiresAt };
      const version = await repos.sessions.save(next, s.version);
      return version === undefined ? undefined : keep({ ...next, version });
    },
    /** Gives a claimed turn back unchanged (the turn failed). */
    async release(s: SessionDoc): Promise<void> {
      const back = { userId: s.userId, flow: s.flow, step: s.step, data: s.data, expiresAt: s.expiresAt };
      const version = await repos.sessions.save(back, s.version);
      if (version === undefined) known.delete(s.userId);
      else keep({ ...back, version });
    },
    /** Ends the conversation at this version; false if it was no longer at it (then see `lost`). */
    async end(s: SessionDoc): Promise<boolean> {
      const ended = await repos.sessions.end(s.userId, s.version);
      if (ended) known.delete(s.userId);
      return ended;
    },
    minutes: () => policy?.conversationMinutes ?? 30,
    purgeExpired: () => repos.sessions.purgeExpired(now()),
  };
}

export type ConversationService = ReturnType<typeof conversationService>;
