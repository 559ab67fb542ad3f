/**
 * The browser bundle for 核验: src/http/public/client/verify.ts with the draw's
 * domain code and seedrandom, `node:crypto` replaced by a WebCrypto-backed shim.
 * The server builds it in memory at start; `npm run build:public` writes it to
 * build/public/verify.js for anyone who wants to read or host it. From the sources
 * (tsx) it bundles the TypeScript; from the built release (dist/, plain node) the
 * compiled JavaScript next to this file, which holds the same code.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/** `name`.ts in `dir` when the sources are there, else the compiled `name`.js. */
const source = (dir: string, name: string): string => {
  const ts = path.join(dir, `${name}.ts`);
  return existsSync(ts) ? ts : path.join(dir, `${name}.js`);
};

export async function buildVerifyBundle(dir = path.join(__dirname, 'client')): Promise<string> {
  const shim = source(dir, 'sha256-shim');
  const out = await build({
    entryPoints: [source(dir, 'verify')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    alias: { 'node:crypto': shim, crypto: shim },
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}
