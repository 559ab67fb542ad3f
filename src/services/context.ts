/** What every use case receives: the repos, the clock, and who is calling through which channel. */
import type { Channel } from '../domain/audit';
import type { Actor } from '../domain/pools';
import type { Role } from '../domain/organisation';
import type { RuleCitation } from '../domain/rules';
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

/**
 * A refusal a user reads: one short Chinese sentence saying what is wrong and
 * what to do instead, with the rule it rests on (none for a plain input
 * mistake). Programmer errors are plain Errors in English and never take this path.
 */
export class Refusal extends Error {
  constructor(message: string, readonly rule?: RuleCitation) {
    super(message);
    this.name = 'Refusal';
  }
}

/** The one rendering of a refusal, for the chat and the CLI alike: the message, citing its rule unless it already does. */
export function renderRefusal(err: Refusal): string {
  const cites = err.rule && new RegExp(`${err.rule}(?![0-9a-z])`).test(err.message);
  return err.rule && !cites ? `${err.message}（依据规则 ${err.rule}）` : err.message;
}

export function hasAny(caller: Caller, roles: readonly Role[]): boolean {
  return caller.roles.some((r) => roles.includes(r));
}

/** The operator at a terminal (CLI): an admin acting in the system's name. */
export function cliCaller(name = process.env.USER || 'operator'): Caller {
  return { userId: `cli:${name}`, name, department: 'SCJGJ', roles: ['admin'], channel: 'cli' };
}
