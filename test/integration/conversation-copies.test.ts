/**
 * Each process keeps its last copy of a user's conversation and takes the next message with it,
 * unread; every step is still written over the version it was taken from. Two routers with their
 * own services on one database stand for two server processes behind a load balancer: a copy
 * another process has moved on fails its write and the message is taken again from what is stored,
 * so alternating processes never show the user a clash nor apply an answer to an ended conversation.
 */
import { createServices, type Services } from '../../src/app';
import { createLogger } from '../../src/logger';
import { createRouter, type Outcome, type Router } from '../../bot/router';
import { replyText } from '../../bot/types';
import type { Flow } from '../../bot/commands/types';
import { connect } from '../../store/connection';
import { createRepos } from '../../store/repos';
import { freshDb, type TestDb } from '../helpers/db';
import { saveUsers } from '../helpers/fixtures';
import { DEFAULT_POLICY } from '../../src/services/policy';

let db: TestDb;
let watched: Awaited<ReturnType<typeof connect>>;
const commands: { name: string; coll: string }[] = [];
const now = () => new Date('2026-03-02T02:00:00Z');

/** Asks for a word (an answer that writes only the next step), then for a second (a claimed turn, as one that writes elsewhere). */
const wordsFlow = (name: string, label: string): Flow => ({
  name, label,
  pure: (_input, state) => state.step === 'first',
  async answer(input, state) {
    if (state.step === 'first') return { replies: [{ kind: 'text', text: `${label}：请输入第二个词` }], next: { step: 'second', data: { first: input } } };
    return { replies: [{ kind: 'text', text: `${label}已提交 ${String(state.data.first)} ${input}` }] };
  },
});

function process(models = db.models): { services: Services; router: Router } {
  const services = createServices({ repos: createRepos(models), now, policy: DEFAULT_POLICY });
  const starts = (word: string, flow: string) => ({
    names: [word], usage: '', async run(_a: string, ctx: Parameters<Flow['answer']>[2]) { ctx.begin(flow, { step: 'first', data: {} }); return [{ kind: 'text' as const, text: `${word}：请输入第一个词` }]; },
  });
  const router = createRouter({
    services, log: createLogger('warn', () => undefined), pageSize: 5,
    flows: [wordsFlow('words', '甲流程'), wordsFlow('other', '乙流程')],
    extraCommands: [starts('开始甲', 'words'), starts('开始乙', 'other')],
  });
  return { services, router };
}

let a: Router;
let b: Router;
const say = (r: Router, t: string): Promise<Outcome> => r.respond({ channel: 'shell', senderId: 'li.official', text: t });
const all = (o: Outcome) => o.replies.map(replyText).join('\n');

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  const one = process();
  await saveUsers(one.services, [{ userId: 'li.official', name: '李经办', department: '县市管局', roles: ['official'] }]);
  a = one.router;
  b = process().router;
  watched = await connect(`${db.uri}${db.uri.includes('?') ? '&' : '?'}monitorCommands=true`, db.dbName);
  watched.conn.getClient().on('commandStarted', (ev) => commands.push({ name: ev.commandName, coll: String((ev.command as Record<string, unknown>)[ev.commandName]) }));
});

afterAll(async () => {
  await watched?.close();
  await db?.close();
});

it('the next message to the same process moves the conversation on without reading it', async () => {
  const { router } = process(watched.models);
  expect(all(await say(router, '开始甲'))).toContain('请输入第一个词');
  commands.length = 0;
  expect(all(await say(router, '苹果'))).toContain('甲流程：请输入第二个词');
  // An answer that writes only the next step: one guarded write, not even the sender is read.
  expect(commands).toEqual([{ name: 'update', coll: 'sessions' }]);
  commands.length = 0;
  expect(all(await say(router, '香蕉'))).toContain('甲流程已提交 苹果 香蕉');
  expect(commands.filter((c) => c.coll === 'sessions').map((c) => c.name)).toEqual(['update', 'delete']);
  // A turn that acts (claimed) identifies the sender again.
  expect(commands.filter((c) => c.coll === 'users').map((c) => c.name)).toEqual(['find']);
  expect(await db.repos.sessions.get('li.official')).toBeUndefined();
});

it('messages alternating between two processes each act on the conversation as stored', async () => {
  expect(all(await say(a, '开始甲'))).toContain('请输入第一个词');
  // b has no copy: it reads, and moves the conversation on; a's copy (the first step) is now stale.
  expect(all(await say(b, '苹果'))).toContain('甲流程：请输入第二个词');
  // a's write over its copy fails; the message is taken again from what is stored: the second word.
  const out = all(await say(a, '香蕉'));
  expect(out).toContain('甲流程已提交 苹果 香蕉');
  expect(out).not.toContain('同时到达');
  expect(await db.repos.sessions.get('li.official')).toBeUndefined();
});

it('a copy of an ended conversation never writes over the one that followed it', async () => {
  expect(all(await say(a, '开始甲'))).toContain('请输入第一个词'); // a's copy: 甲, first step
  expect(all(await say(b, '取消'))).toContain('已取消“甲流程”');
  expect(all(await say(b, '开始乙'))).toContain('开始乙：请输入第一个词');
  // To a, this is an answer to 乙's first step, not to the 甲 it last saw.
  expect(all(await say(a, '葡萄'))).toContain('乙流程：请输入第二个词');
  const s = await db.repos.sessions.get('li.official');
  expect([s?.flow, s?.step, s?.data]).toEqual(['other', 'second', { first: '葡萄' }]);
  expect(all(await say(b, '取消'))).toContain('已取消“乙流程”');
});

it('a command typed to a process whose copy is stale runs once, without claiming a conversation that has ended', async () => {
  expect(all(await say(a, '开始甲'))).toContain('请输入第一个词');
  expect(all(await say(b, '取消'))).toContain('已取消');
  const out = all(await say(a, '我是谁'));
  expect(out).toContain('李经办');
  expect(out).not.toContain('仍在等待回复');
  // 取消 to a stale copy of an ended conversation: there is nothing to cancel, and it says so as a command would.
  expect(all(await say(a, '开始甲'))).toContain('请输入第一个词');
  expect(all(await say(b, '取消'))).toContain('已取消');
  expect(all(await say(a, '取消'))).not.toContain('已取消“甲流程”');
});

it('an account stopped mid-conversation can move only its own conversation on, never act with it', async () => {
  const { router, services } = process();
  await saveUsers(services, [{ userId: 'zhao.official', name: '赵经办', department: '县市管局', roles: ['official'] }]);
  const zhao = (t: string) => router.respond({ channel: 'shell', senderId: 'zhao.official', text: t });
  expect(all(await zhao('开始甲'))).toContain('请输入第一个词');
  await saveUsers(services, [{ userId: 'zhao.official', name: '赵经办', department: '县市管局', roles: ['official'], active: false }]);
  // The answer is taken with the identity this process read at the start: it writes only the next step…
  expect(all(await zhao('苹果'))).toContain('甲流程：请输入第二个词');
  // …and the turn that would act reads the directory again and is refused, its conversation left as it was.
  expect(all(await zhao('香蕉'))).toContain('尚未在监管助手中登记（或账号已停用）');
  expect((await db.repos.sessions.get('zhao.official'))?.step).toBe('second');
  // Another process, which never read the account while it was active, refuses every message.
  expect(all(await b.respond({ channel: 'shell', senderId: 'zhao.official', text: '取消' }))).toContain('账号已停用');
});
