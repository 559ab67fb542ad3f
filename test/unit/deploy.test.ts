/** The files in deploy/ agree with the program: the example settings load, the unit runs what `npm start` runs. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

describe('deploy/', () => {
  it('supervision.env.example is a valid configuration: loopback behind the proxy, metrics on', () => {
    const env: Record<string, string> = {};
    for (const line of read('deploy/supervision.env.example').split('\n')) {
      const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      if (m) env[m[1]] = m[2];
    }
    expect(env.TRUST_PROXY).toBe('1');
    const config = loadConfig(env);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.METRICS_PORT).toBe(9464);
    expect(config.METRICS_HOST).toBe('127.0.0.1');
  });

  it('the systemd unit starts the built server with plain node, as `npm start` does', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toBe('node --enable-source-maps dist/src/main.js');
    expect(read('deploy/supervision-bot.service')).toContain(`ExecStart=/usr/bin/${start}\n`);
    expect(read('deploy/nginx.conf')).toContain('server 127.0.0.1:3000;');
    expect(read('deploy/supervision.env.example')).toMatch(/^PORT=3000$/m);
  });
});
