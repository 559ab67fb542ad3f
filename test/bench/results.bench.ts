/**
 * `npm run bench:results`: inspection results entered through the router on the demo county.
 *
 * A fresh database on MONGODB_URI or the local server from store/embedded, the demo county
 * (BENCH_DEMO_ENTITIES, default 30,000), BENCH_RESULTS (default 2,000) tasks of 县市管局 for
 * B-pool entities, then for each task the whole 录入结果 conversation as 县市管局's officials
 * type it (dates, 核查方式, the item, the category, 提交) through the router: half by one
 * official, half by BENCH_OFFICIALS (default 10) officials at once. Baseline in the same run:
 * a bare insert of the same documents — every document the entries wrote, seen at the driver
 * (command monitoring; each command is tied to its result and message through the async
 * context) and copied into scratch collections, one insertOne each: one result's documents after
 * another for the first half, as many results' streams at once as there were officials for the
 * second. The commands and sequential round trips of each message are reported too, and (on
 * stderr) each kind of command's count and mean duration for the one official.
 *
 * Writes the section "Results" of BENCHMARKS.md.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { DEFAULT_POLICY } from '../../src/services/policy';
import { createLogger } from '../../src/logger';
import { createRouter } from '../../bot/router';
import { replyText } from '../../bot/types';
import { connect } from '../../store/connection';
import { createRepos } from '../../store/repos';
import { benchDatabase, describeEngine, fmt, machine, writeReport } from './common';

const N = Number(process.env.BENCH_RESULTS ?? 2000);
const ENTITIES = Number(process.env.BENCH_DEMO_ENTITIES ?? 30_000);
const GOAL_P95_MS = 300;
const GOAL_RATIO = 0.3;
/** Officials of 县市管局 entering at once in the second half (BENCH_OFFICIALS). */
const OFFICIALS = Number(process.env.BENCH_OFFICIALS ?? 10);

/** The messages of one result's conversation, in order (for the round-trip counts). */
const MESSAGES = ['录入结果', '检查日期', '核查方式', '事项', '检查结果', '提交'] as const;

type Doc = Record<string, unknown>;
/** What one result's conversation did at the driver: commands and sequential round trips per message, and every document it wrote. */
interface Trace {
  commands: number[];
  writes: number[];
  rounds: number[];
  /** Wall time of each message (ms). */
  wall: number[];
  /** Wall time with a command of this result in flight, per message (ms). */
  waited: number[];
  busy: number;
  since: number;
  message: number;
  docs: { coll: string; doc: Doc }[];
}
const newTrace = (): Trace => ({ commands: MESSAGES.map(() => 0), writes: MESSAGES.map(() => 0), rounds: MESSAGES.map(() => 0), wall: MESSAGES.map(() => 0), waited: MESSAGES.map(() => 0), busy: 0, since: 0, message: 0, docs: [] });
/** The result (and the message of its conversation) the code running now works for. */
const working = new AsyncLocalStorage<{ result: number; message: number }>();

const isOperator = (u: Doc) => Object.keys(u).some((k) => k.startsWith('$'));
/** The document an update leaves written: a replacement as it is, operators' fields flattened, with the filter's `_id`. */
function updated(q: Doc, u: Doc): Doc {
  if (!isOperator(u)) return { _id: q._id, ...u };
  const out: Doc = { _id: q._id };
  for (const [op, fields] of Object.entries(u)) if (op !== '$unset') Object.assign(out, fields as Doc);
  return out;
}
/** The documents a write command writes (a delete: its filter, the record of the removal); undefined for a read. */
function writtenBy(name: string, cmd: Doc): Doc[] | undefined {
  switch (name) {
    case 'insert': return cmd.documents as Doc[];
    case 'update': return (cmd.updates as { q: Doc; u: Doc }[]).map((x) => updated(x.q, x.u));
    case 'findAndModify': return [cmd.remove ? { ...(cmd.query as Doc) } : updated(cmd.query as Doc, (cmd.update ?? {}) as Doc)];
    case 'delete': return (cmd.deletes as { q: Doc }[]).map((x) => ({ ...x.q }));
    default: return undefined;
  }
}

/** What the figures mean, after the tables; `factor`: a guarded write's time over an insert's, officials at once. */
const notes = (factor: string) => [
  'Why this baseline. A result entry is a six-message conversation that must write 13 documents: the conversation\'s state seven times (begun, moved on by each of the four answers, claimed for 提交, ended — a delete counts as its filter document), the result, its state-log number and entry, the review, and two audit entries. "A bare insert of the same documents" is those 13, copied as the driver sent them and inserted one insertOne each, so the ratio measures what the entry costs beyond the writes it cannot avoid: the reads, the guards, and Node. The earlier primary ratio compared a result with one insertOne of its result document (the informational rows): a 13-write conversation measured against one write could never reach 0.3×. Counting at the driver rather than reconstructing from what is stored also catches the writes nothing keeps (the conversation\'s states, the claim, the end).',
  '',
  'How it came down, the same bench throughout. First round (300 results on a 3,000-entity county): from 35 commands and 35 round trips one after another per result — 6 for 录入结果, 3 per answer, 17 for 提交 —, 0.16× and 0.15× of the bare insert, to 30 commands and 0.27× / 0.30×, each change keeping every check and guarded write: the sender\'s identity and conversation read at once; the task and its result read at once; the form\'s item names read by `_id` (a department\'s item list was a pass over every item on FerretDB); at 提交 a task that had no result when the conversation started not read again (the result\'s insert finds one entered meanwhile); R20\'s users list read once, with the task, and the review opened with it; the result\'s audit entry in one insert with the review\'s. Second round, to 21 commands: the embedded FerretDB is built with two source patches (store/embedded/patches.ts) — a guarded write ({_id, version}) looks its document up by `_id` (upstream decoded the whole collection for any filter but exactly {_id}: 81 ms → 1.9 ms for one among 3,000 sessions), and the lifetime tracking FerretDB keeps for its own leak tests is left to debug builds (about 5% of its CPU); each process keeps its last copy of a user\'s conversation and takes the next message with it, unread (a copy another process moved on fails its guarded write and the message is taken again as stored); and an answer that writes nothing but the conversation\'s next step is taken with the sender as this process last identified them (the turn that acts, 提交, reads the directory again, so an account stopped mid-conversation can never save).',
  '',
  `Where the time goes. Per answer, one guarded write (the conversation's next step); 录入结果 reads the sender, the conversation, the task, its result and the items and begins the conversation; 提交 reads the sender, claims the turn, reads the task again (cancelled or changed meanwhile?) and the users list's version (R20), writes the result, its state log (number, read-back, entry), the review and the audit, and ends the conversation. One official waits for the database for most of a result's time (the last rows of the table above). With officials at once both cores are busy: FerretDB and Node about half each, Node's part mostly the MongoDB driver's own work per command (the bare insert makes 13 commands a result, an entry 21), and a guarded update or delete, or the state log's counter increment, costs ${factor} inserts (FerretDB reads the document, then writes it in a transaction behind the other officials' writes).`,
  '',
  'Measured on a machine that may have been shared with other work: figures vary by about ±10% from run to run.',
  '',
];

/** Commands grouped for the report: what kind of work they are to the database. */
const COMMAND_CLASSES: [string, string[]][] = [
  ['an insert', ['insert']],
  ['a read by `_id`', ['find']],
  ['a guarded update or delete', ['update', 'delete']],
  ['a counter increment (findAndModify)', ['findAndModify']],
];
/** The mean duration (ms) of the commands of these names, from a per-kind tally. */
function meanOf(map: Map<string, { n: number; ms: number }>, names: string[]): string {
  let n = 0;
  let ms = 0;
  for (const [kind, v] of map) {
    if (!names.includes(kind.split(' ')[0])) continue;
    n += v.n;
    ms += v.ms;
  }
  return n ? fmt(ms / n, 1) : '–';
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-results-'));
  const { uri, local } = await benchDatabase(dataDir);
  const dbName = `bench_results_${Date.now().toString(36)}`;
  // Command monitoring on, to count round trips and see every document written.
  const db = await connect(`${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true`, dbName);
  const traces: Trace[] = [];
  let stray = 0;
  const inFlight = new Map<number, Trace>();
  let recording = false;
  /** The first result of the officials-at-once half (command timings are kept per half). */
  let firstOfMany = Infinity;
  db.conn.getClient().on('commandStarted', (ev) => {
    if (!recording) return;
    const at = working.getStore();
    if (!at) { stray++; return; }
    const t = (traces[at.result] ??= newTrace());
    t.commands[at.message]++;
    if (t.busy++ === 0) {
      t.rounds[at.message]++;
      t.since = performance.now();
      t.message = at.message;
    }
    inFlight.set(ev.requestId, t);
    kinds.set(ev.requestId, { kind: `${ev.commandName} ${String((ev.command as Doc)[ev.commandName])}`, many: at.result >= firstOfMany });
    const docs = writtenBy(ev.commandName, ev.command as Doc);
    if (docs) {
      t.writes[at.message]++;
      const coll = String((ev.command as Doc)[ev.commandName]);
      for (const doc of docs) t.docs.push({ coll, doc });
    }
  });
  /** Per kind of command (name and collection): how many, and their total duration at the driver. */
  const kinds = new Map<number, { kind: string; many: boolean }>();
  /** Per kind of command: the one official's, and the officials' at once. */
  const byKind = [new Map<string, { n: number; ms: number }>(), new Map<string, { n: number; ms: number }>()];
  const settled = (ev: { requestId: number; duration: number }) => {
    const t = inFlight.get(ev.requestId);
    if (!t) return;
    inFlight.delete(ev.requestId);
    if (--t.busy === 0) t.waited[t.message] += performance.now() - t.since;
    const c = kinds.get(ev.requestId);
    if (!c) return;
    kinds.delete(ev.requestId);
    const map = byKind[c.many ? 1 : 0];
    const k = map.get(c.kind) ?? { n: 0, ms: 0 };
    map.set(c.kind, { n: k.n + 1, ms: k.ms + ev.duration });
  };
  db.conn.getClient().on('commandSucceeded', settled);
  db.conn.getClient().on('commandFailed', settled);
  try {
    const now = () => new Date('2026-10-09T02:00:00Z'); // after the September window
    const repos = createRepos(db.models);
    await repos.org.seedDepartments();
    const services = createServices({ repos, now, policy: DEFAULT_POLICY });
    console.error(`filling the demo county with ${fmt(ENTITIES)} entities …`);
    await services.demo.fill(cliCaller('bench'), { entities: ENTITIES });
    const entities = await repos.entities.find({ pool: 'B' }, N);
    const officers = (await repos.inspectors.byDepartment('SCJGJ', { activeOnly: true })).filter((p) => p.kind !== 'expert').slice(0, 2);
    const item = (await repos.items.byDepartment('SCJGJ')).find((i) => i.pools.includes('B'))!;
    const window = { from: '2026-09-01', to: '2026-09-30' };
    await repos.tasks.createMany(entities.map((e, i) => ({
      taskNo: `县市管局抽查〔2026〕${9000 + i}号`, year: 2026, issuer: 'SCJGJ', creditCode: e.creditCode, entityName: e.name, at: now(),
      parts: [{
        drawNo: 'JH2026-9999-1', planNo: 'JH2026-9999', departments: ['SCJGJ'], items: [`SCJGJ:${item.itemCode}`], window, at: now().toISOString(),
        officers: officers.map((o, j) => ({ inspectorNo: o.inspectorNo, name: o.name, department: 'SCJGJ', leader: j === 0, expert: false })),
      }],
    })));
    const router = createRouter({ services, log: createLogger('warn', () => undefined), pageSize: 10 });
    const taskNo = (i: number) => `县市管局抽查〔2026〕${9000 + i}号`;
    const conversation = (i: number) => [`录入结果 ${taskNo(i)}`, '2026-09-10', '1', '未发现问题', '1'];
    const say = async (userId: string, text: string) => (await router.respond({ channel: 'shell', senderId: userId, text })).replies.map(replyText).join('\n');

    /** Officials of 县市管局 entering their share of the tasks at once, each their conversations one after another. */
    async function enter(officials: string[], tasks: number[]): Promise<{ seconds: number; submit: number[]; whole: number[] }> {
      const submit: number[] = [];
      const whole: number[] = [];
      const t0 = performance.now();
      await Promise.all(officials.map(async (userId, k) => {
        for (let j = k; j < tasks.length; j += officials.length) {
          const i = tasks[j];
          const c0 = performance.now();
          const lines = conversation(i);
          const t = (traces[i] ??= newTrace());
          for (const [m, line] of lines.entries()) {
            const m0 = performance.now();
            await working.run({ result: i, message: m }, () => say(userId, line));
            t.wall[m] += performance.now() - m0;
          }
          const s0 = performance.now();
          const out = await working.run({ result: i, message: lines.length }, () => say(userId, '提交'));
          t.wall[lines.length] += performance.now() - s0;
          submit.push(performance.now() - s0);
          whole.push(performance.now() - c0);
          if (!out.includes('已提交')) throw new Error(`提交 failed: ${out}`);
        }
      }));
      return { seconds: (performance.now() - t0) / 1000, submit, whole };
    }

    // One insertOne per stored result document, one after another and `k` at a time (informational).
    async function bare(docs: Record<string, unknown>[], k: number): Promise<number> {
      const col = db.conn.collection(`bench_bare_results_${k}`);
      const b0 = performance.now();
      await Promise.all(Array.from({ length: k }, async (_, w) => {
        for (let j = w; j < docs.length; j += k) await col.insertOne({ ...docs[j] });
      }));
      return docs.length / ((performance.now() - b0) / 1000);
    }

    /**
     * The baseline: the documents the result entries wrote (seen at the driver), copied bare into
     * scratch collections, one insertOne per document; each stream its results' documents one result
     * after another, the streams at once. Returns results (document groups) per second.
     */
    async function bareGroups(streams: number[][], tag: string): Promise<number> {
      const b0 = performance.now();
      await Promise.all(streams.map(async (results) => {
        for (const r of results) {
          for (const [k, w] of traces[r].docs.entries()) {
            await db.conn.collection(`bench_bare${tag}_${w.coll}`).insertOne({ ...w.doc, _id: `${r}:${k}` as never });
          }
        }
      }));
      return streams.reduce((n, s) => n + s.length, 0) / ((performance.now() - b0) / 1000);
    }

    const half = Math.floor(entities.length / 2);
    firstOfMany = half;
    const officials = Array.from({ length: OFFICIALS }, (_, k) => `bench.scj.${k + 1}`);
    for (const userId of officials) {
      await services.users.save(cliCaller('bench'), { userId, name: `录入员${userId.slice(-2)}`, department: '县市管局', roles: ['official'] });
    }
    console.error(`entering ${fmt(half)} results through the router, one official …`);
    recording = true;
    const one = await enter(['scj.official'], Array.from({ length: half }, (_, i) => i));
    console.error(`entering ${fmt(entities.length - half)} results through the router, ${OFFICIALS} officials at once …`);
    const many = await enter(officials, Array.from({ length: entities.length - half }, (_, i) => half + i));
    recording = false;

    console.error('the same documents, bare …');
    const count = entities.length - half;
    const groups1 = await bareGroups([Array.from({ length: half }, (_, i) => i)], '1');
    const groupsK = await bareGroups(Array.from({ length: OFFICIALS }, (_, k) => Array.from({ length: Math.ceil((count - k) / OFFICIALS) }, (_, j) => half + k + j * OFFICIALS)), 'K');
    const stored = await db.models.Result.collection.find({}).toArray();
    const bare1 = await bare(stored.slice(0, half), 1);
    const bareK = await bare(stored.slice(half), OFFICIALS);

    const info = await db.conn.db!.admin().command({ buildInfo: 1 });
    const m = machine(describeEngine(info, local));
    const rate1 = half / one.seconds;
    const rateK = count / many.seconds;
    const ratio1 = rate1 / groups1;
    const ratioK = rateK / groupsK;
    const p95 = pct(many.submit, 95);
    const ok = (b: boolean) => (b ? '✓' : '✗');
    const all = traces.filter(Boolean);
    const mean = (f: (t: Trace) => number, set = all) => set.reduce((n, t) => n + f(t), 0) / set.length;
    const sum = (xs: number[]) => xs.reduce((n, x) => n + x, 0);
    const perDoc = new Map<string, number>();
    for (const t of all) for (const d of t.docs) perDoc.set(d.coll, (perDoc.get(d.coll) ?? 0) + 1);
    const docsPerResult = mean((t) => t.docs.length);
    const msgRow = (label: string, f: (t: Trace) => number[], set = all) =>
      `| ${label} | ${MESSAGES.map((_, i) => fmt(mean((t) => f(t)[i], set), 1)).join(' | ')} | ${fmt(mean((t) => sum(f(t)), set), 1)} |`;
    const insertMs = Number(meanOf(byKind[1], ['insert']));
    const guardedMs = Number(meanOf(byKind[1], ['update', 'delete', 'findAndModify']));
    const guardedFactor = insertMs > 0 && guardedMs > 0 ? `about ${fmt(guardedMs / insertMs, 1)}` : 'more than';
    const section = [
      '## Results',
      '',
      `\`npm run bench:results\`: ${fmt(entities.length)} results entered through the router on the demo county (${fmt(ENTITIES)} entities), each the whole 录入结果 conversation (6 messages: command, dates, 核查方式, item, category, 提交): the first ${fmt(half)} by one official, the other ${fmt(count)} by ${OFFICIALS} officials at once (as a county's officials enter after a round of visits). Baseline, same run: a bare insert of the same documents — every document the result entries wrote, seen at the driver (command monitoring), copied into scratch collections one insertOne each, one result's documents after another, and ${OFFICIALS} results' streams at once for the second half.`,
      '',
      `Machine: ${m.nproc} CPU (${m.cpu}), ${m.memGB} GB, Node ${m.node}, ${m.engine}.`,
      '',
      '| measure | one official | ' + `${OFFICIALS} officials at once` + ' | goal |',
      '| --- | --- | --- | --- |',
      `| 提交 (save + approval opened), p50 / p95 | ${fmt(pct(one.submit, 50), 1)} / ${fmt(pct(one.submit, 95), 1)} ms | ${fmt(pct(many.submit, 50), 1)} / ${fmt(p95, 1)} ms | p95 < ${GOAL_P95_MS} ms ${ok(pct(one.submit, 95) < GOAL_P95_MS && p95 < GOAL_P95_MS)} |`,
      `| whole conversation, p50 / p95 | ${fmt(pct(one.whole, 50), 1)} / ${fmt(pct(one.whole, 95), 1)} ms | ${fmt(pct(many.whole, 50), 1)} / ${fmt(pct(many.whole, 95), 1)} ms | |`,
      `| results per second through the router | ${fmt(rate1, 1)} | ${fmt(rateK, 1)} | |`,
      `| the same documents inserted bare (${fmt(docsPerResult, 1)} a result, one insertOne each): results per second | ${fmt(groups1, 1)} | ${fmt(groupsK, 1)} | |`,
      `| **ratio to the bare insert of the same documents, done the same way** | ${fmt(ratio1, 3)}× ${ok(ratio1 >= GOAL_RATIO)} | ${fmt(ratioK, 3)}× ${ok(ratioK >= GOAL_RATIO)} | ≥ ${GOAL_RATIO}× |`,
      `| (informational) one insertOne of the stored result document per result: per second | ${fmt(bare1, 1)} | ${fmt(bareK, 1)} | |`,
      `| (informational) ratio to that one insert | ${fmt(rate1 / bare1, 3)}× | ${fmt(rateK / bareK, 3)}× | |`,
      '',
      `Database commands per result, counted at the driver over all ${fmt(all.length)} results (each attributed to its result and message through the code's async context; ${fmt(stray)} commands during the entries belonged to none):`,
      '',
      `| per result | ${MESSAGES.join(' | ')} | whole |`,
      `| --- | ${MESSAGES.map(() => '---').join(' | ')} | --- |`,
      msgRow('commands', (t) => t.commands),
      msgRow('of which writes', (t) => t.writes),
      msgRow('round trips waited for one after another', (t) => t.rounds),
      msgRow('ms per message, one official', (t) => t.wall, traces.slice(0, half)),
      msgRow('ms waiting for the database, one official', (t) => t.waited, traces.slice(0, half)),
      msgRow('ms waiting for the database, officials at once', (t) => t.waited, traces.slice(half)),
      '',
      `Mean time of a command at the driver, one official / officials at once: ${COMMAND_CLASSES.map(([label, names]) => `${label} ${meanOf(byKind[0], names)} / ${meanOf(byKind[1], names)} ms`).join('; ')}.`,
      '',
      `Documents written per result: ${fmt(docsPerResult, 1)} (${[...perDoc].map(([c, n]) => `${c} ${fmt(n / all.length, 1)}`).join(', ')}).`,
      '',
      ...notes(guardedFactor),
    ].join('\n');
    for (const [h, map] of byKind.entries()) {
      console.error(`${h ? 'officials at once' : 'one official'}:\n${[...map].sort((x, y) => y[1].ms - x[1].ms).map(([k, v]) => `  ${k}: ${v.n} commands, ${fmt(v.ms / v.n, 2)} ms each`).join('\n')}`);
    }
    console.log(section);
    writeReport('## Results', section);
  } finally {
    await db.conn.dropDatabase().catch(() => undefined);
    await db.close();
    await local?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
