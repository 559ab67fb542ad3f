/** The logger: levels, and secrets never reaching a log line. */
import { createLogger, redactUri } from '../../src/logger';

describe('logger', () => {
  const capture = (level: 'debug' | 'info' | 'warn' | 'error' = 'debug') => {
    const lines: string[] = [];
    return { lines, log: createLogger(level, (l) => lines.push(l)) };
  };

  it('never prints a value under a secret-looking key, at any depth', () => {
    const { lines, log } = capture();
    log.info('config', {
      token: 'TOKEN-VALUE-1',
      secret: 'SECRET-VALUE-2',
      aesKey: 'AESKEY-VALUE-3',
      encodingAESKey: 'AESKEY-VALUE-4',
      corpSecret: 'SECRET-VALUE-5',
      accessToken: 'TOKEN-VALUE-6',
      password: 'PASSWORD-VALUE-7',
      wecom: { token: 'TOKEN-VALUE-8', agentId: 1000002 },
      robots: [{ name: 'r', secret: 'SECRET-VALUE-9' }],
      user: 'zhangsan',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/VALUE-\d/);
    const parsed = JSON.parse(lines[0]);
    expect(parsed).toMatchObject({ level: 'info', msg: 'config', user: 'zhangsan', wecom: { agentId: 1000002 }, robots: [{ name: 'r' }] });
    expect(parsed.token).toBe('[redacted]');
  });

  it('removes credentials from any URI it prints', () => {
    const { lines, log } = capture();
    log.warn('cannot connect', { uri: 'mongodb://admin:Pa55word@db.example.gov.cn:27017/supervision', err: 'failed mongodb://u:Other9@h/' });
    expect(lines[0]).not.toContain('Pa55word');
    expect(lines[0]).not.toContain('Other9');
    expect(lines[0]).toContain('db.example.gov.cn:27017');
  });

  it('removes credentials from the query strings of the platforms\' API URLs', () => {
    const { lines, log } = capture();
    log.info('POST https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token=AT-VALUE-1&debug=1', {
      url: 'https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww123&corpsecret=CS-VALUE-2',
      robot: 'https://oapi.dingtalk.com/robot/send?access_token=AT-VALUE-3&timestamp=1&sign=SG-VALUE-4',
      callback: '/wecom/callback?msg_signature=SG-VALUE-5&timestamp=1&nonce=n',
    });
    expect(lines[0]).not.toMatch(/VALUE-\d/);
    expect(lines[0]).toContain('corpid=ww123');
    expect(lines[0]).toContain('debug=1');
    expect(lines[0]).toContain('timestamp=1');
  });

  it('redacts sign and signature but not words that merely contain them (signal, design, keyword)', () => {
    const { lines, log } = capture();
    log.info('process ended https://h/x?sign=SG-VALUE-1&signal=SIGTERM&keyword=食品', {
      signal: 'SIGTERM', design: 'card', keyword: '食品', sign: 'SG-VALUE-2', msgSignature: 'SG-VALUE-3', msg_signature: 'SG-VALUE-4', apiKey: 'K-VALUE-5',
    });
    expect(lines[0]).not.toMatch(/VALUE-\d/);
    const parsed = JSON.parse(lines[0]);
    expect(parsed).toMatchObject({ signal: 'SIGTERM', design: 'card', keyword: '食品', sign: '[redacted]', msgSignature: '[redacted]' });
    expect(parsed.msg).toContain('signal=SIGTERM');
    expect(parsed.msg).toContain('keyword=食品');
  });

  it('prints one JSON line per call, and only at or above its level', () => {
    const { lines, log } = capture('warn');
    log.debug('d'); log.info('i'); log.warn('w', { note: 'two\nlines' }); log.error('e');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).not.toContain('\n');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['w', 'e']);
  });

  it('a field cannot overwrite the time, level or message', () => {
    const { lines, log } = capture();
    log.error('real message', { msg: 'fake', level: 'debug', t: 'then' });
    const parsed = JSON.parse(lines[0]);
    expect(parsed.msg).toBe('real message');
    expect(parsed.level).toBe('error');
    expect(parsed.t).not.toBe('then');
  });

  it('prints an Error by its message, not as {}', () => {
    const { lines, log } = capture();
    log.error('failed', { err: new Error('boom at mongodb://u:pw123@h/') });
    expect(lines[0]).toContain('boom');
    expect(lines[0]).not.toContain('pw123');
  });

  it('survives a circular field', () => {
    const { lines, log } = capture();
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(() => log.info('loop', { a })).not.toThrow();
    expect(lines[0]).toContain('"name":"a"');
  });

  it('redactUri removes user and password, keeps the rest', () => {
    expect(redactUri('mongodb://user:p%40ss@db.example.gov.cn:27017/sup?authSource=admin')).toBe('mongodb://***@db.example.gov.cn:27017/sup?authSource=admin');
    expect(redactUri('mongodb+srv://u:pw@cluster0.example.net/')).toBe('mongodb+srv://***@cluster0.example.net/');
    expect(redactUri('mongodb://127.0.0.1:27017/')).toBe('mongodb://127.0.0.1:27017/');
    expect(redactUri('mongodb://h1:1,h2:2/?replicaSet=rs')).toBe('mongodb://h1:1,h2:2/?replicaSet=rs');
    // An unescaped @ in the password must not leave its tail behind.
    expect(redactUri('mongodb://u:p@ss@host/')).toBe('mongodb://***@host/');
    expect(redactUri('a mongodb://u:one@h/ and mongodb://v:two@k/')).toBe('a mongodb://***@h/ and mongodb://***@k/');
  });
});
