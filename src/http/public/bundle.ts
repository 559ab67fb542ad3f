/**
 * The browser bundle for 核验: src/http/public/client/verify.ts with the draw's
 * domain code and seedrandom, `node:crypto` replaced by a WebCrypto-backed shim.
 * The server builds it in memory at start; `npm run build:public` writes it to
 * build/public/verify.js for anyone who wants to read or host it.
 */
import path from 'node:path';
import { build } from 'esbuild';

export async function buildVerifyBundle(): Promise<string> {
  const shim = path.join(__dirname, 'client', 'sha256-shim.ts');
  const out = await build({
    entryPoints: [path.join(__dirname, 'client', 'verify.ts')],
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
