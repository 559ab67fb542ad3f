/** A guided conversation in progress as services see it (stored in `sessions`). */

export interface SessionDoc {
  userId: string;
  flow: string;
  step: string;
  data: Record<string, unknown>;
  expiresAt: Date;
  version: number;
  /** Set while a message's turn is being worked on: no other message may take the conversation until it ends. */
  busyUntil?: Date;
}
