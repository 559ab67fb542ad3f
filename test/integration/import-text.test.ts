/**
 * Text from imported files reaches chats clean: control and direction-changing
 * characters are removed, a line break in a name refuses the row (a flattened
 * address or legal basis is joined), credit codes typed with full-width digits
 * and spaces are read, and names with markdown characters cannot restyle a
 * markdown message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliCaller } from '../../src/services/context';
import { importService } from '../../src/services/importer';
import type { Outcome } from '../../bot/router';
import { replyText } from '../../bot/types';
import { renderActionCard } from '../../bot/channels/dingtalk/api';
import { testCounty, type TestCounty } from '../helpers/county';
import { code, saveUsers } from '../helpers/fixtures';

const now = () => new Date('2026-05-20T02:00:00Z');
const admin = cliCaller('import-text-test');
let dir: string;
let county: TestCounty;

const COLUMNS = ['统一社会信用代码', '名称', '类型', '行业', '乡镇', '地址', '信用风险分类', '领域标签', '监管部门'];
const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
function csv(name: string, rows: string[][]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${[COLUMNS, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`, 'utf8');
  return file;
}
const row = (c: string, name: string, over: Partial<Record<'address' | 'tags', string>> = {}) =>
  [c, name, '企业', '住宿和餐饮业', '陈营镇', over.address ?? '万年县陈营镇1号', '一般', over.tags ?? '', '县市管局'];
const say = (userId: string, t: string): Promise<Outcome> => county.router.respond({ channel: 'shell', senderId: userId, text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');
const fullWidth = (s: string) => s.replace(/[0-9A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'import-text-'));
  county = await testCounty(now);
  await saveUsers(county.services, [{ userId: 'li.official', name: '李经办', department: '县市管局', roles: ['official'] }]);
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await county.db.close();
});

describe('imported text', () => {
  it('removes NUL, right-to-left overrides and zero-width characters; refuses a name on two lines, naming the row; joins an address', async () => {
    const file = csv('dirty.csv', [
      row(code(1), '万年县\u0000华达\u202E食品\u200B有限公司'),
      row(code(2), '万年县伪造\n3. 假主体｜91361129000000000X｜B类'),
      row(code(3), '万年县清洁商店', { address: '万年县陈营镇\r\n建设路8号', tags: '食品\n餐饮' }),
    ]);
    const summary = await importService({ repos: county.db.repos, now }).importFile(admin, 'entities', file);
    expect(summary.imported).toBe(2);
    expect(summary.rejected).toEqual([{ row: 3, reason: expect.stringContaining('“名称”含有换行') }]);
    const e1 = await county.db.repos.entities.get(code(1));
    expect(e1?.name).toBe('万年县华达食品有限公司');
    const e3 = await county.db.repos.entities.get(code(3));
    expect(e3).toMatchObject({ address: '万年县陈营镇 建设路8号', sectorTags: ['食品', '餐饮'] });
    expect(await county.db.repos.entities.get(code(2))).toBeUndefined();
    // What a chat shows is the clean name, on one line.
    const shown = all(await say('li.official', '查询 关键词=华达'));
    expect(shown).toContain('1. 万年县华达食品有限公司｜');
    for (const c of ['\u0000', '\u202E', '\u200B']) expect(shown).not.toContain(c);
  });

  it('matches a header with an invisible character in it (zero-width space, RTL mark)', async () => {
    const file = path.join(dir, 'header.csv');
    const header = COLUMNS.map((c, i) => (i === 1 ? `名\u200B称\u200F` : c));
    writeFileSync(file, `${[header, row(code(5), '万年县表头测试商店')].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`, 'utf8');
    const summary = await importService({ repos: county.db.repos, now }).importFile(admin, 'entities', file);
    expect(summary.imported).toBe(1);
    expect((await county.db.repos.entities.get(code(5)))?.name).toBe('万年县表头测试商店');
  });

  it('reads credit codes typed with full-width digits and spaces', async () => {
    const typed = `${fullWidth(code(4).slice(0, 9))}\u3000${code(4).slice(9)}`;
    const summary = await importService({ repos: county.db.repos, now }).importFile(admin, 'entities', csv('wide.csv', [row(typed, '万年县全角代码商店')]));
    expect(summary.imported).toBe(1);
    expect((await county.db.repos.entities.get(code(4)))?.name).toBe('万年县全角代码商店');
  });
});

describe('names inside markdown', () => {
  it('cannot add links, emphasis, HTML or rows to a DingTalk card', () => {
    const card = renderActionCard({
      cardId: 'c1', title: 'C类重点监管库调整待确认', description: '县市管局 李经办 提出',
      fields: [{ label: '主体', value: '万年县<font color="warning">假</font>**粗体**[点我](http://evil.example)\n- **理由**：伪造' }],
      buttons: [{ key: 'pool.confirm:X', label: '同意', style: 'primary' }],
    });
    const line = card.text.split('\n').find((l) => l.startsWith('- **主体**'))!;
    expect(line).toContain('万年县');
    expect(line).not.toMatch(/<font|\*\*粗体|\[点我\]/);
    expect(card.text).not.toContain('- **理由**');
  });
});
