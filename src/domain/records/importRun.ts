/** One import run (stored in `import_runs`). */

export interface ImportRunDoc {
  id: string;
  kind: string;
  file: string;
  actor: string;
  channel: string;
  status: 'running' | 'done' | 'failed';
  imported: number;
  updated: number;
  unchanged: number;
  rejected: number;
  lastCommittedRow: number;
  error: string;
  startedAt: Date;
  finishedAt?: Date;
}
