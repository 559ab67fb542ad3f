import type { App } from '../../app';
import { userCommand } from './user';
import { poolCommand } from './pool';
import { importCommand } from './import';
import { demoCommand } from './demo';
import { drawCommand } from './draw';
import { backupCommand } from './backup';
import { restoreCommand } from './restore';
import { directoryCommand } from './directory';
import { statsCommand } from './stats';
import { exportCommand } from './export';

export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** Progress goes to stderr only when a person is watching. */
  isTTY: boolean;
}

export interface CliCommand {
  summary: string;
  run(args: string[], app: App, io: Io): Promise<number>;
  /** Runs without opening the database when it can (returns undefined when it cannot). */
  runOffline?(args: string[], io: Io): Promise<number | undefined>;
}

export const COMMANDS: Record<string, CliCommand> = {
  user: userCommand,
  pool: poolCommand,
  import: importCommand,
  demo: demoCommand,
  draw: drawCommand,
  backup: backupCommand,
  restore: restoreCommand,
  directory: directoryCommand,
  stats: statsCommand,
  export: exportCommand,
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(9)} ${c.summary}`);
  return `usage: npm run cli -- <command> [options]\n\n${lines.join('\n')}\n`;
}
