/**
 * The project stands alone: its documents link only to files inside it, the
 * rules the bot enforces are in docs/rules.md, and what users and
 * administrators read carries no words meant for developers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { usage } from '../../src/cli/commands';

const ROOT = path.resolve(__dirname, '../..');
const DOCS = ['README.md', 'ARCHITECTURE.md', 'BENCHMARKS.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');
/** Markdown link targets that are not web addresses or anchors. */
const localLinks = (md: string) => [...md.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^(?:https?:|mailto:|#)/.test(t));

describe('the project documents', () => {
  it('link only to files that exist inside the project', () => {
    for (const doc of DOCS) {
      for (const target of localLinks(read(doc))) {
        const file = path.resolve(ROOT, path.dirname(doc), target.split('#')[0]);
        expect({ doc, target, inside: file.startsWith(`${ROOT}${path.sep}`) }).toEqual({ doc, target, inside: true });
        expect({ doc, target, exists: existsSync(file) }).toEqual({ doc, target, exists: true });
      }
    }
  });

  it('R1–R22: ARCHITECTURE.md names each rule\'s home, and each named function is exported by the domain file named', () => {
    const section = read('ARCHITECTURE.md').split('## Where each rule is enforced')[1]?.split('\n## ')[0] ?? '';
    const rows = section.split('\n').filter((l) => /^\| R\d/.test(l));
    const ids = rows.flatMap((r) => [...r.split('|')[1].matchAll(/R\d+a?/g)].map((m) => m[0]));
    for (let i = 1; i <= 22; i++) expect(ids).toContain(`R${i}`);
    expect(ids).toContain('R8a');
    for (const row of rows) {
      const home = row.split('|')[2];
      // "`file.ts` `fn`, `fn2`; `other.ts` `fn3`": each function belongs to the file before it.
      let file = '';
      for (const [, name] of home.matchAll(/`([^`]+)`/g)) {
        if (name.endsWith('.ts')) {
          file = name;
          expect({ row: row.slice(0, 12), file, exists: existsSync(path.join(ROOT, 'src/domain', file)) }).toEqual({ row: row.slice(0, 12), file, exists: true });
        } else {
          expect({ file, name, exported: new RegExp(`export (?:async )?(?:function|const|class) ${name}\\b`).test(read(`src/domain/${file}`)) }).toEqual({ file, name, exported: true });
        }
      }
    }
  });

  it('R1–R22: the rules are in docs/rules.md, in Chinese and English, and the README links them', () => {
    const rules = read('docs/rules.md');
    for (let i = 1; i <= 22; i++) expect(rules).toContain(`**R${i} `);
    expect(rules).toContain('**R8a ');
    expect(rules).toContain('清单之外无检查');
    expect(rules).toContain('Only listed items');
    expect(localLinks(read('README.md'))).toContain('docs/rules.md');
  });

  it('README, docs and CLI help carry no developer words ("issue 5", "a later issue")', () => {
    for (const doc of DOCS) {
      expect({ doc, found: /\bissue \d+|later issue/i.exec(read(doc))?.[0] }).toEqual({ doc, found: undefined });
    }
    expect(usage()).not.toMatch(/issue/i);
  });
});
