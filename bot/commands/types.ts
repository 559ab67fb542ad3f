import type { Services } from '../../src/app';
import type { Caller } from '../../src/services/context';
import type { Reply } from '../types';

export interface CommandContext {
  caller: Caller;
  services: Services;
  /** How many rows a list shows. */
  pageSize: number;
}

export interface Command {
  /** The words that start this command; the first is shown in help. */
  names: string[];
  /** One line for 帮助. */
  usage: string;
  run(args: string, ctx: CommandContext): Promise<Reply[]>;
}
