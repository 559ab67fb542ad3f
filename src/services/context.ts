/** What every use case receives: the repos, the clock, and who is calling through which channel. */
import type { Channel } from '../domain/audit';
import type { Actor } from '../domain/pools';
import type { Role } from '../domain/organisation';
import type { Repos } from '../../store/repos';
import type { Policy } from './policy';
import type { RobotSettings } from './robots';

export interface Deps {
  repos: Repos;
  now: () => Date;
  /** The county's settings; DEFAULT_POLICY when absent. */
  policy?: Policy;
  /** Cryptographic random bytes (the draw's seed); crypto.randomBytes when absent, tests pin it. */
  random?: (bytes: number) => Buffer;
  /** Group robots listed in the environment and the key that seals those bound from the chat. */
  settings?: RobotSettings;
}

export interface Caller extends Actor {
  name: string;
  channel: Channel;
}

/** A refusal a user reads: one short Chinese sentence, with the rule it rests on. */
export class Refusal extends Error {
  constructor(message: string, readonly rule?: string) {
    super(message);
  }
}

export function hasAny(caller: Caller, roles: readonly Role[]): boolean {
  return caller.roles.some((r) => roles.includes(r));
}

/** The operator at a terminal (CLI): an admin acting in the system's name. */
export function cliCaller(name = process.env.USER || 'operator'): Caller {
  return { userId: `cli:${name}`, name, department: 'SCJGJ', roles: ['admin'], channel: 'cli' };
}
