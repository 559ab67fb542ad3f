/**
 * Dependencies point one way (ARCHITECTURE.md), and the linter says so: a
 * deliberate violation in each guarded layer is an error. ESLint runs as CI
 * runs it (its own process, the project's config) on a file's text.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

async function problems(file: string, code: string): Promise<string[]> {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', path.join(ROOT, file), '--format', 'json'], {
    cwd: ROOT, input: code, encoding: 'utf8',
  });
  const [result] = JSON.parse(r.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('import direction', () => {
  it.each([
    ['src/domain/x.ts', "import { connect } from '../../store/connection';\nexport const c = connect;\n", 'src/domain is pure'],
    ['src/domain/x.ts', "import mongoose from 'mongoose';\nexport const m = mongoose;\n", 'src/domain is pure'],
    ['src/services/x.ts', "import { createRouter } from '../../bot/router';\nexport const r = createRouter;\n", 'Services are use cases'],
    ['store/repos/x.ts', "import { createServices } from '../../src/services/approvals';\nexport const s = createServices;\n", 'The store implements'],
    ['bot/channels/wecom/x.ts', "import { plans } from '../../commands/plans';\nexport const p = plans;\n", 'Channels are adapters'],
  ])('%s may not import %j', async (file, code, why) => {
    expect((await problems(file, code)).join('\n')).toContain(why);
  });

  it('allows what each layer may use', async () => {
    expect(await problems('src/services/x.ts', "import { decideFiling } from '../domain/filing';\nexport const d = decideFiling;\n")).toEqual([]);
    expect(await problems('bot/channels/wecom/x.ts', "import Router from '@koa/router';\nexport const r = Router;\n")).toEqual([]);
  });
});
