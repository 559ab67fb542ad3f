/**
 * The built release (dist/, plain node, no TypeScript sources beside it) builds the same
 * 核验 bundle as the sources: `npm start` serves /gongshi/static/verify.js.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildVerifyBundle } from '../../src/http/public/bundle';
import { ROOT } from '../helpers/run';

it('the browser bundle builds from the compiled release as from the sources', async () => {
  // The built release, compiled now if the sources are newer than dist/ (CI builds it before the tests).
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  // The compiled module itself, as `npm start` runs it (its own __dirname, in dist/).
  const released = (await import(path.join(ROOT, 'dist', 'src', 'http', 'public', 'bundle.js'))) as { buildVerifyBundle: () => Promise<string> };
  const fromRelease = await released.buildVerifyBundle();
  const fromSources = await buildVerifyBundle();
  for (const bundle of [fromRelease, fromSources]) {
    // Chinese is escaped in the bundle: check the ASCII names it must hold.
    expect(['verify-button', 'withheldConflicts', 'crypto.subtle.digest', 'announcementDigest'].filter((s) => !bundle.includes(s))).toEqual([]);
    expect(/require\(["']node:crypto["']\)/.test(bundle)).toBe(false);
  }
}, 300_000);
