/**
 * Configuration from the environment, validated once at start.
 * A wrong or missing value stops start-up with one line naming the variable.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';

/**
 * A whole number written in plain decimal digits. (z.coerce.number would take
 * "0x50", "1e3" or " " (as 0) and start on a port nobody asked for.)
 */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be from ${min} to ${max}`).max(max, `must be from ${min} to ${max}`));

const schema = z.object({
  PORT: wholeNumber(1, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  DB_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, 'letters, digits, _ and - only').default('supervision'),
  DATA_DIR: z.string().min(1).default('data'),
  DB_ENGINE: z.enum(['auto', 'mongod', 'memory-server', 'ferretdb']).default('auto'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  CHAT_PAGE_SIZE: wholeNumber(1, 50).default(10),
});

export type Config = z.infer<typeof schema>;

/** Every variable the configuration reads (documented in .env.example). */
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof Config)[];

export class ConfigError extends Error {}

/** Loads ./.env (if present) into process.env; variables already set win. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

/** Parses the environment; throws ConfigError whose message is one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Stray spaces (and a CR from a Windows-edited .env) are trimmed; a blank value counts as unset.
  const cleaned = Object.fromEntries(
    Object.entries(env)
      .map(([k, v]) => [k, v?.trim()] as const)
      .filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid configuration: ${name}: ${issue.message.replace(/\s+/g, ' ')}`);
  }
  return result.data;
}
