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
    ['store/repos/x.ts', "import { rateKey } from '../../bot/channels/contracts';\nexport const r = rateKey;\n", 'type imports only'],
    ['bot/delivery/x.ts', "import { approvalCard } from '../commands/approvals';\nexport const c = approvalCard;\n", 'Delivery runs behind the contracts'],
    ['bot/delivery/x.ts', "import { splitMarkdown } from '../channels/wecom/api';\nexport const s = splitMarkdown;\n", 'Delivery runs behind the contracts'],
    ['bot/delivery/x.ts', "import type { Services } from '../../src/app';\nexport type S = Services;\n", 'Delivery runs behind the contracts'],
    ['bot/commands/x.ts', "import type { PlanRepo } from '../../store/repos/plans';\nexport type P = PlanRepo;\n", 'Commands ask services'],
    ['bot/router.ts', "import type { Services } from '../src/app';\nexport type S = Services;\n", 'Commands ask services'],
    ['bot/commands/x.ts', "import { createAnnouncer } from '../delivery/announcer';\nexport const a = createAnnouncer;\n", 'delivery ports'],
    ['src/services/x.ts', "import type { App } from '../app';\nexport type A = App;\n", 'Services are use cases'],
  ])('%s may not import %j', async (file, code, why) => {
    expect((await problems(file, code)).join('\n')).toContain(why);
  });

  it('allows what each layer may use', async () => {
    expect(await problems('src/services/x.ts', "import { decideFiling } from '../domain/filing';\nexport const d = decideFiling;\n")).toEqual([]);
    expect(await problems('bot/channels/wecom/x.ts', "import Router from '@koa/router';\nexport const r = Router;\n")).toEqual([]);
    expect(await problems('store/repos/x.ts', "import type { Outgoing } from '../../bot/channels/contracts';\nexport type O = Outgoing;\n")).toEqual([]);
    expect(await problems('bot/delivery/x.ts', "import { outgoing } from '../channels/contracts';\nexport const o = outgoing;\n")).toEqual([]);
    expect(await problems('bot/commands/x.ts', "import type { Announcer } from '../delivery/announcer';\nimport type { PlanDoc } from '../../src/domain/records/plan';\nexport type A = [Announcer, PlanDoc];\n")).toEqual([]);
  });
});
