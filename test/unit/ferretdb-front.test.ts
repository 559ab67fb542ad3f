/**
 * The Go tests of our FerretDB wrapper (store/embedded/ferretdb): its log handler formats
 * the attributes FerretDB attaches around every SQL statement only for lines it writes.
 * Needs Go, as building the embedded database does.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

it('the embedded database front passes its Go tests (go test)', () => {
  const out = execFileSync('go', ['test', '-count=1', '.'], {
    cwd: path.join(__dirname, '..', '..', 'store', 'embedded', 'ferretdb'), encoding: 'utf8', timeout: 240_000,
  });
  expect(out).toMatch(/^ok\s/m);
}, 300_000);
