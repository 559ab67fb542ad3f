/**
 * Configuration from the environment, validated once at start.
 * A wrong or missing value stops start-up with one line naming the variable.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { policyFrom, type PolicyError } from './services/policy';

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
  /** Prometheus metrics on their own port (unset: none); on loopback unless METRICS_HOST says otherwise. */
  METRICS_PORT: wholeNumber(1, 65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  CHAT_PAGE_SIZE: wholeNumber(1, 50).default(10),
  /** Trust X-Forwarded-For (client address) and X-Forwarded-Proto: only behind a reverse proxy that sets them. */
  TRUST_PROXY: z.enum(['true', 'false', '1', '0', 'yes', 'no']).default('false').transform((v) => v === 'true' || v === '1' || v === 'yes'),

  // Webhooks, both platforms.
  PUBLIC_BASE_URL: z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'must be an http(s) URL such as https://bot.example.gov.cn').optional(),
  WEBHOOK_BODY_LIMIT_KB: wholeNumber(1, 10240).default(256),
  CALLBACK_WINDOW_SECONDS: wholeNumber(10, 86400).default(3600),
  /** A request's headers and body must have arrived within this long (else 408, connection closed). */
  BODY_TIMEOUT_SECONDS: wholeNumber(1, 300).default(10),
  /** Requests sending a body at once, at most; more get 503 (nobody is authenticated before the body is read). */
  MAX_PENDING_BODIES: wholeNumber(1, 10000).default(64),
  OUTBOX_MAX_ATTEMPTS: wholeNumber(1, 100).default(8),
  ROBOT_RATE_PER_MINUTE: wholeNumber(1, 600).default(20),

  // WeCom (企业微信) self-built application; all five or none.
  WECOM_CORP_ID: z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'letters and digits only').optional(),
  WECOM_AGENT_ID: z.string().regex(/^\d{1,12}$/, 'must be the numeric AgentId').optional(),
  WECOM_SECRET: z.string().min(1).optional(),
  WECOM_TOKEN: z.string().regex(/^[A-Za-z0-9]{1,32}$/, 'letters and digits, at most 32').optional(),
  WECOM_AES_KEY: z.string().regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey').optional(),
  WECOM_API_BASE: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL').default('https://qyapi.weixin.qq.com'),
  /** Group robots for announcements: 部门=webhook key, comma separated. */
  WECOM_ROBOTS: z.string().optional(),

  // DingTalk (钉钉) enterprise robot; key and secret together.
  DINGTALK_APP_KEY: z.string().min(1).optional(),
  DINGTALK_APP_SECRET: z.string().min(1).optional(),
  DINGTALK_ROBOT_CODE: z.string().optional(),
  DINGTALK_API_BASE: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL').default('https://api.dingtalk.com'),
  DINGTALK_OAPI_BASE: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL').default('https://oapi.dingtalk.com'),
  /** Seals group robots bound from the chat (AES-256-GCM); at least 32 characters, keep it secret and unchanged. */
  SECRETS_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Custom group robots (加签): 部门=access_token:secret, comma separated. */
  DINGTALK_ROBOTS: z.string().optional(),
  /** How DingTalk reaches us: http (callbacks to our public URL) or stream (we connect out; no public URL needed). */
  DINGTALK_MODE: z.enum(['http', 'stream']).default('http'),
  /** Decision cards: interactive cards whose taps come back as card callbacks, or ActionCards (fallback: buttons send "点 …"). */
  DINGTALK_CARDS: z.enum(['interactive', 'actioncard']).default('interactive'),
  /** The card template built in DingTalk's card platform (see README); needed for interactive cards. */
  DINGTALK_CARD_TEMPLATE_ID: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'letters, digits, . _ - only').optional(),
  /** The callbackRouteKey our card callback URL is registered under. */
  DINGTALK_CARD_ROUTE_KEY: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').default('supervision-cards'),
  /** Signs download links for files sent to DingTalk groups; at least 32 characters. */
  DOWNLOAD_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DOWNLOAD_TTL_HOURS: wholeNumber(1, 720).default(72),
  /** Plans and approvals. */
  CONVERSATION_MINUTES: wholeNumber(5, 1440).default(30),
  APPROVAL_REMIND_WORKING_DAYS: wholeNumber(1, 30).default(2),
  MAX_TASKS_PER_OFFICER: wholeNumber(1, 10000).default(30),
  /** A task's result is due this many working days after its window (R15's calendar). */
  RESULT_DUE_WORKING_DAYS: wholeNumber(1, 60).default(10),
  /** R15: results are public at approval (auto) or when the department sends 公示 (manual). */
  PUBLICATION_MODE: z.enum(['auto', 'manual']).default('auto'),
  /** Per-year inspection months when a year differs from R10, JSON: {"2027":{"B":[6,10]}}. */
  INSPECTION_MONTHS: z.string().optional(),
  /** The county's R6 risk policy, JSON by risk class (see README); defaults apply to classes left out. */
  RISK_POLICY: z.string().optional(),
}).superRefine((c, ctx) => {
  const groups: [string, (keyof typeof c)[]][] = [
    ['WeCom', ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_AES_KEY']],
    ['DingTalk', ['DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET']],
  ];
  for (const [name, keys] of groups) {
    if (!keys.some((k) => c[k] !== undefined)) continue;
    for (const k of keys) {
      if (c[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: `is required when ${name} is configured` });
    }
  }
  if (c.DINGTALK_APP_KEY && c.DINGTALK_CARDS === 'interactive' && !c.DINGTALK_CARD_TEMPLATE_ID) {
    ctx.addIssue({ code: 'custom', path: ['DINGTALK_CARD_TEMPLATE_ID'], message: 'is required for DingTalk interactive cards (or set DINGTALK_CARDS=actioncard)' });
  }
  if (c.WECOM_ROBOTS && !c.WECOM_CORP_ID) ctx.addIssue({ code: 'custom', path: ['WECOM_CORP_ID'], message: 'is required when WECOM_ROBOTS is set' });
  if (c.DINGTALK_ROBOTS && !c.DOWNLOAD_SECRET) ctx.addIssue({ code: 'custom', path: ['DOWNLOAD_SECRET'], message: 'is required when DINGTALK_ROBOTS is set (file links are signed)' });
  if (c.DINGTALK_ROBOTS && !c.PUBLIC_BASE_URL) ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'is required when DINGTALK_ROBOTS is set (file links point to it)' });
  try {
    policyFrom(c);
  } catch (err) {
    ctx.addIssue({ code: 'custom', path: [(err as PolicyError).key ?? 'RISK_POLICY'], message: (err as Error).message });
  }
  for (const k of ['WECOM_ROBOTS', 'DINGTALK_ROBOTS'] as const) {
    const v = c[k];
    if (v === undefined) continue;
    try {
      parseRobotList(v, k === 'DINGTALK_ROBOTS');
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: [k], message: (err as Error).message });
    }
  }
});

/**
 * Parses "部门=key, 部门=key" (DingTalk: "部门=access_token:secret") into
 * department name or code → value. Department names are resolved by the caller.
 */
export function parseRobotList(text: string, withSecret: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new Error('must be 部门=key pairs separated by commas');
    const dept = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (withSecret && !/^[^:\s]+:[^:\s]+$/.test(value)) throw new Error(`robot for ${dept} must be access_token:secret`);
    if (out.has(dept)) throw new Error(`robot for ${dept} is listed twice`);
    out.set(dept, value);
  }
  return out;
}

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

/**
 * For entry points: ./.env, then the environment; on a bad value prints the one
 * line naming the variable and exits with status 2.
 */
export function configOrExit(): Config {
  try {
    loadDotEnv();
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
