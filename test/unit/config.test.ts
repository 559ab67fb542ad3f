/**
 * Configuration (DESIGN: "a wrong value stops start-up with one clear line naming
 * the variable"), the real server entry point refusing a bad PORT, and
 * .env.example documenting every variable the config reads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_KEYS, ConfigError, loadConfig } from '../../src/config';

const ROOT = path.resolve(__dirname, '..', '..');

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe('0.0.0.0');
    expect(c.MONGODB_URI).toBeUndefined();
    expect(c.DB_NAME).toBe('supervision');
    expect(c.DATA_DIR).toBe('data');
    expect(c.DB_ENGINE).toBe('auto');
    expect(c.LOG_LEVEL).toBe('info');
    expect(c.CHAT_PAGE_SIZE).toBe(10);
  });

  it('treats empty and blank values as unset, and trims stray spaces', () => {
    const c = loadConfig({ PORT: '', MONGODB_URI: '', DB_ENGINE: ' ferretdb ', LOG_LEVEL: 'warn\r' });
    expect(c.PORT).toBe(3000);
    expect(c.MONGODB_URI).toBeUndefined();
    expect(c.DB_ENGINE).toBe('ferretdb');
    expect(c.LOG_LEVEL).toBe('warn');
    expect(loadConfig({ PORT: '   ' }).PORT).toBe(3000);
  });

  it('reads good values', () => {
    const c = loadConfig({
      PORT: '8080', MONGODB_URI: 'mongodb://u:p@db.example.gov.cn:27017/?authSource=admin', DB_NAME: 'wannian_2026',
      DB_ENGINE: 'mongod', LOG_LEVEL: 'debug', CHAT_PAGE_SIZE: '20', UNRELATED: 'ignored',
    });
    expect(c).toMatchObject({ PORT: 8080, DB_NAME: 'wannian_2026', DB_ENGINE: 'mongod', LOG_LEVEL: 'debug', CHAT_PAGE_SIZE: 20 });
    expect(loadConfig({ MONGODB_URI: 'mongodb+srv://cluster.example.com/' }).MONGODB_URI).toBe('mongodb+srv://cluster.example.com/');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '0'],
    ['PORT', '80.5'],
    ['PORT', '0x50'],
    ['PORT', '1e3'],
    ['PORT', '-1'],
    ['MONGODB_URI', 'http://x'],
    ['MONGODB_URI', 'localhost:27017'],
    ['DB_ENGINE', 'foo'],
    ['LOG_LEVEL', 'loud'],
    ['DB_NAME', 'super.vision'],
    ['DB_NAME', 'a/b'],
    ['CHAT_PAGE_SIZE', '0'],
    ['CHAT_PAGE_SIZE', 'ten'],
  ])('a wrong %s (%j) throws ConfigError: one line naming the variable', (name, value) => {
    const err = failure({ [name]: value });
    expect(err.message).not.toMatch(/[\r\n]/);
    expect(err.message).toContain(name);
    // It names only the variable at fault, not a neighbour.
    for (const other of CONFIG_KEYS) if (other !== name) expect(err.message).not.toContain(other);
  });

  it('never repeats a credential from a bad MONGODB_URI', () => {
    const err = failure({ MONGODB_URI: 'http://admin:S3cretPw@db.example.gov.cn/' });
    expect(err.message).toContain('MONGODB_URI');
    expect(err.message).not.toContain('S3cretPw');
  });

  it('names the first wrong variable when several are wrong, still on one line', () => {
    const err = failure({ PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.message).toMatch(/PORT|LOG_LEVEL/);
  });
});

describe('the server entry point (npm start)', () => {
  it('with PORT=abc prints one line naming PORT and exits non-zero without starting a database', () => {
    expect(existsSync(path.join(ROOT, 'src', 'main.ts'))).toBe(true);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'cfg-main-'));
    const dataDir = path.join(tmp, 'data');
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: 'abc', DATA_DIR: dataDir, NODE_OPTIONS: '' };
      delete env.MONGODB_URI;
      const started = Date.now();
      const r = spawnSync('npx', ['tsx', 'src/main.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
      const output = `${r.stdout}${r.stderr}`.trim();
      expect(r.error).toBeUndefined();
      expect(r.status).not.toBe(0);
      expect(r.status).not.toBeNull();
      expect(output.split('\n')).toHaveLength(1);
      expect(output).toContain('PORT');
      // No database was started: the data folder was never created, and it was quick.
      expect(existsSync(dataDir)).toBe(false);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('.env.example', () => {
  const file = path.join(ROOT, '.env.example');

  /** KEY=value lines, and "# KEY=value" lines (documented but left commented out). */
  function parse(text: string): { active: Record<string, string>; documented: Set<string> } {
    const active: Record<string, string> = {};
    const documented = new Set<string>();
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      const m = /^(#\s*)?([A-Z][A-Z0-9_]*)\s*=(.*)$/.exec(line);
      if (!m) continue;
      documented.add(m[2]);
      if (!m[1]) active[m[2]] = m[3].trim().replace(/^(['"])(.*)\1$/, '$2');
    }
    return { active, documented };
  }

  it('exists and documents every key of the config schema', () => {
    expect(existsSync(file)).toBe(true);
    const { documented } = parse(readFileSync(file, 'utf8'));
    const missing = CONFIG_KEYS.filter((k) => !documented.has(k));
    expect(missing).toEqual([]);
  });

  it('documents no variable the config does not read', () => {
    const { documented } = parse(readFileSync(file, 'utf8'));
    const unknown = [...documented].filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
    expect(unknown).toEqual([]);
  });

  it('its values are themselves a valid configuration', () => {
    const { active } = parse(readFileSync(file, 'utf8'));
    expect(() => loadConfig(active)).not.toThrow();
  });
});
