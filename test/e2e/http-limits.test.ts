/**
 * The HTTP server against slow and crowding clients, as a real server process:
 * a body that never finishes is cut off after BODY_TIMEOUT_SECONDS (Node's
 * default kept such a connection 300 s), headers that never finish likewise,
 * and more bodies arriving at once than MAX_PENDING_BODIES are refused at once.
 * And the client address in the logs: X-Forwarded-For is believed only with
 * TRUST_PROXY.
 */
import net from 'node:net';
import { WecomEmulator } from '../emulators/wecom';
import { freshDb, type TestDb } from '../helpers/db';
import { startServerProcess, waitFor, type ServerProcess } from '../helpers/server';

let db: TestDb;
let wecom: WecomEmulator;
let plain: ServerProcess;
let proxied: ServerProcess;

beforeAll(async () => {
  db = await freshDb();
  wecom = await new WecomEmulator().start();
  const env = { MONGODB_URI: db.uri, DB_NAME: db.dbName, ...wecom.env(), BODY_TIMEOUT_SECONDS: '2', MAX_PENDING_BODIES: '3' };
  [plain, proxied] = await Promise.all([startServerProcess(env), startServerProcess({ ...env, TRUST_PROXY: 'true' })]);
}, 120_000);

afterAll(async () => {
  await Promise.all([plain?.stop(), proxied?.stop()]);
  await wecom?.stop();
  await db?.close();
});

/** Opens a connection, writes `head`, and resolves with what the server answered and when it closed. */
function hold(port: number, head: string): { closed: Promise<{ answer: string; ms: number }>; socket: net.Socket } {
  const started = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  socket.write(head);
  let answer = '';
  socket.on('data', (d) => { answer += d.toString(); });
  socket.on('error', () => undefined);
  const closed = new Promise<{ answer: string; ms: number }>((resolve) => socket.on('close', () => resolve({ answer, ms: Date.now() - started })));
  return { closed, socket };
}

/** A callback within the time window (so its body is read to check the signature) whose body never finishes. */
const slowBody = () => `POST /wecom/callback?msg_signature=x&timestamp=${Math.floor(Date.now() / 1000)}&nonce=1 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n<xml>`;

describe('slow and many bodies', () => {
  it('a body announced as 100000 bytes that stops after 5 is cut off after BODY_TIMEOUT_SECONDS (Node kept it 300 s)', async () => {
    const { closed } = hold(plain.port, slowBody());
    const { answer, ms } = await closed;
    expect(answer).not.toMatch(/^HTTP\/1\.1 2/);
    expect(ms).toBeGreaterThanOrEqual(1500);
    expect(ms).toBeLessThan(5000);
  });

  it('headers that never finish are cut off too', async () => {
    const { closed } = hold(plain.port, 'POST /wecom/callback HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const { ms } = await closed;
    expect(ms).toBeLessThan(5000);
  });

  it('more bodies at once than MAX_PENDING_BODIES: the next is answered 503 at once, and a slot frees when a body ends', async () => {
    const held = [1, 2, 3].map(() => hold(plain.port, slowBody()));
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const cb = wecom.textCallback({ from: 'LiWx', content: '帮助', msgId: 'busy-1' });
    const r = await fetch(`${plain.url}${cb.path}`, { method: 'POST', body: cb.body });
    expect(r.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1000);
    // The held bodies time out; the server takes bodies again.
    await Promise.all(held.map((h) => h.closed));
    const again = await fetch(`${plain.url}${cb.path}`, { method: 'POST', body: cb.body });
    expect(again.status).toBe(200);
  }, 20_000);
});

describe('client address (TRUST_PROXY)', () => {
  const forged = { 'X-Forwarded-For': '203.0.113.77' };
  // This test's own refusal (its timestamp is far outside the window): a held body of the test before may be
  // refused ("unreadable body") in the log after it.
  const refusedLine = (s: ServerProcess) =>
    s.logs().split('\n').filter((l) => l.includes('wecom callback refused') && l.includes('timestamp outside the allowed window')).pop() ?? '';

  it('off (the default): X-Forwarded-For from a client is not believed; the log shows the peer address', async () => {
    const r = await fetch(`${plain.url}/wecom/callback?msg_signature=bad&timestamp=1&nonce=1`, { method: 'POST', body: '<xml></xml>', headers: forged });
    expect(r.status).toBeGreaterThanOrEqual(400);
    await waitFor(() => refusedLine(plain) !== '', 5000, 'the refusal in the log');
    expect(refusedLine(plain)).toContain('127.0.0.1');
    expect(plain.logs()).not.toContain('203.0.113.77');
  });

  it('on: the address the reverse proxy put in X-Forwarded-For is logged', async () => {
    const r = await fetch(`${proxied.url}/wecom/callback?msg_signature=bad&timestamp=1&nonce=1`, { method: 'POST', body: '<xml></xml>', headers: forged });
    expect(r.status).toBeGreaterThanOrEqual(400);
    await waitFor(() => refusedLine(proxied) !== '', 5000, 'the refusal in the log');
    expect(refusedLine(proxied)).toContain('203.0.113.77');
  });
});
