/**
 * Start-up stays fast: loading the server (src/runtime and everything it imports) does not
 * load exceljs, which alone takes about 125 ms to load; the code that writes or reads a
 * workbook loads it when first needed (`await import('exceljs')`).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

it('loading the server does not load exceljs', () => {
  const script = `
    require('./src/runtime');
    const loaded = Object.keys(require.cache);
    console.log(JSON.stringify({ modules: loaded.length, exceljs: loaded.filter((k) => k.includes('/node_modules/exceljs/')) }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { modules: number; exceljs: string[] };
  expect(r.modules).toBeGreaterThan(100); // the server's modules were loaded
  expect(r.exceljs).toEqual([]);
}, 90_000);
