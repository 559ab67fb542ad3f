/**
 * Long lists in chat: the rest of the last long list a user was shown is kept in
 * the database, so 更多 continues it whichever process takes the message; a list
 * over the file threshold is also stored as a file to send to the user privately.
 */
import type { Deps } from './context';

/** How long 更多 can continue a list. */
export const LIST_KEEP_HOURS = 24;
/** How long a list's file can be fetched (WeCom uploads it at once; DingTalk links to it). */
export const LIST_FILE_HOURS = 72;
/** Lines kept for 更多: a longer list is cut here (the file has them all). */
export const MAX_KEPT_LINES = 2000;

export interface ListPage {
  title: string;
  lines: string[];
  /** 1-based numbers of the first and last line shown, and how many there are. */
  from: number;
  to: number;
  total: number;
}

export function listService({ repos, now }: Deps) {
  return {
    /** Keeps a list whose first `shown` lines were just shown; 更多 continues from there. */
    async keep(userId: string, title: string, lines: string[], shown: number): Promise<void> {
      const at = now();
      await repos.listPages.put({ userId, title, lines: lines.slice(0, MAX_KEPT_LINES), offset: shown, expiresAt: new Date(at.getTime() + LIST_KEEP_HOURS * 3600_000) });
    },

    /** A short list was shown: 更多 no longer continues an older one. */
    forget: (userId: string) => repos.listPages.drop(userId),

    /** The next `size` lines of the user's last long list; undefined when there is none (or it is finished or expired). */
    async more(userId: string, size: number): Promise<ListPage | undefined> {
      for (let attempt = 0; attempt < 3; attempt++) {
        const p = await repos.listPages.get(userId);
        if (!p || p.expiresAt.getTime() <= now().getTime() || p.offset >= p.lines.length) return undefined;
        const to = Math.min(p.offset + size, p.lines.length);
        // Over the version read: two 更多 at once show two different pages, never the same one twice.
        if (await repos.listPages.advance(userId, p.version, to)) {
          return { title: p.title, lines: p.lines.slice(p.offset, to), from: p.offset + 1, to, total: p.lines.length };
        }
      }
      return undefined;
    },

    /** Stores a list's file (xlsx) for sending; returns its id. */
    async storeFile(name: string, contentType: string, data: Buffer): Promise<string> {
      const at = now();
      return repos.files.put({ name, contentType, data, createdAt: at, expiresAt: new Date(at.getTime() + LIST_FILE_HOURS * 3600_000) });
    },

    purgeExpired: () => repos.listPages.purgeExpired(now()),
  };
}

export type ListService = ReturnType<typeof listService>;
