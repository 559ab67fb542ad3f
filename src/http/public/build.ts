/** `npm run build:public`: writes the 核验 browser bundle to build/public/verify.js (the server builds the same in memory). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildVerifyBundle } from './bundle';

void (async () => {
  const out = path.join(process.cwd(), 'build', 'public', 'verify.js');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, await buildVerifyBundle());
  console.log(`wrote ${out}`);
})();
