/** Audit entries (R20): who did what, when, through which channel, and what changed. */

export const CHANNELS = ['shell', 'wecom', 'dingtalk', 'cli', 'system', 'web'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Change {
  field: string;
  /** JSON text of the old value ('' when the field was absent). */
  from: string;
  /** JSON text of the new value ('' when the field was removed). */
  to: string;
}

export interface AuditEntry {
  at: Date;
  actor: string;
  channel: Channel;
  action: string;
  target: string;
  changes: Change[];
  note: string;
}

const enc = (v: unknown): string => (v === undefined ? '' : JSON.stringify(v));

/** The fields whose value differs between two flat records. */
export function diff(before: Record<string, unknown> | undefined, after: Record<string, unknown>): Change[] {
  const fields = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]);
  const out: Change[] = [];
  for (const field of [...fields].sort()) {
    const from = enc(before?.[field]);
    const to = enc(after[field]);
    if (from !== to) out.push({ field, from, to });
  }
  return out;
}
