/** Complaints' pure rules (R22) and the repo's one mapper from a stored document. */
import {
  acknowledgedOnTime, acknowledgementDue, checkComplaintInput, normaliseQueryCode, overdueOn, queryCode, routeComplaint,
} from '../../src/domain/complaint';
import { fromDoc } from '../../store/repos/complaints';

describe('routing (R22)', () => {
  it('R22: a matter whose department supervises the entity goes there', () => {
    expect(routeComplaint({ entityDepartments: ['SCJGJ', 'XFJYDD'], text: '安全出口被锁' })).toMatchObject({ department: 'XFJYDD', matter: '消防安全' });
  });
  it('R22: an entity outside the registry goes to the matter\'s department', () => {
    expect(routeComplaint({ entityDepartments: [], text: '卖的猪肉缺斤短两' })).toMatchObject({ department: 'SCJGJ', matter: '市场监管' });
  });
  it('R22: no matter and one supervising department: that department', () => {
    expect(routeComplaint({ entityDepartments: ['CZJ'], text: '老板态度恶劣' })).toMatchObject({ department: 'CZJ', matter: '' });
  });
  it('R22: a matter outside the supervising departments, or nothing known, is left to 联席办', () => {
    expect(routeComplaint({ entityDepartments: ['SCJGJ', 'ZRZYJ'], text: '夜间施工噪声扰民' }).department).toBe('');
    expect(routeComplaint({ entityDepartments: ['SCJGJ', 'ZRZYJ'], text: '老板态度恶劣' }).department).toBe('');
    expect(routeComplaint({ entityDepartments: [], text: '老板态度恶劣' })).toMatchObject({ department: '', note: expect.stringContaining('请联席办确定') });
  });
});

describe('acknowledgement and overdue (R22)', () => {
  const weekdays = (d: string) => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()) || d === '2026-10-10';
  it('R22: due by the end of the next working day; a Friday\'s complaint is due on Monday, unless Saturday is a make-up working day', () => {
    expect(acknowledgementDue('2026-10-12', weekdays)).toBe('2026-10-13');
    expect(acknowledgementDue('2026-10-16', weekdays)).toBe('2026-10-19');
    expect(acknowledgementDue('2026-10-09', weekdays)).toBe('2026-10-10');
  });
  it('R22: overdue after the due day until acknowledged; acknowledged, overdue after the closing day', () => {
    expect(overdueOn({ status: 'received', ackDue: '2026-10-13' }, '2026-10-13', undefined, undefined)).toBeUndefined();
    expect(overdueOn({ status: 'received', ackDue: '2026-10-13' }, '2026-10-14', undefined, undefined)).toBe('ack');
    expect(overdueOn({ status: 'unrouted', ackDue: '' }, '2026-10-14', undefined, '2026-10-13')).toBe('ack');
    expect(overdueOn({ status: 'acknowledged', ackDue: '2026-10-13' }, '2026-11-10', '2026-11-09', undefined)).toBe('close');
    expect(overdueOn({ status: 'closed', ackDue: '2026-10-13' }, '2027-01-01', '2026-11-09', undefined)).toBeUndefined();
    expect(acknowledgedOnTime({ ackDue: '2026-10-13' }, '2026-10-13')).toBe(true);
    expect(acknowledgedOnTime({ ackDue: '2026-10-13' }, '2026-10-14')).toBe(false);
  });
});

describe('what a complainant types', () => {
  it('text is cleaned of invisible and direction characters, lengths checked, the entity on one line', () => {
    const ok = checkComplaintInput({ entity: ' 华达\u202E食品 ', content: '买到的牛奶\u200B已经过期了两天\r\n请查处', contact: '' });
    expect(ok).toEqual({ ok: true, value: { entity: '华达食品', content: '买到的牛奶已经过期了两天\n请查处', contact: '' } });
    expect(checkComplaintInput({ entity: '华达', content: '过期' })).toMatchObject({ ok: false, reason: expect.stringContaining('太短') });
    expect(checkComplaintInput({ entity: '华达', content: '很'.repeat(1001) })).toMatchObject({ ok: false, reason: expect.stringContaining('过长') });
    expect(checkComplaintInput({ entity: ['a'], content: '很'.repeat(20) })).toMatchObject({ ok: false, reason: expect.stringContaining('只能是文字') });
    expect(checkComplaintInput({ entity: '华达\n食品', content: '很'.repeat(20) })).toMatchObject({ ok: false, reason: expect.stringContaining('一行') });
  });
  it('a query code is 10 unambiguous characters from the random bytes passed in; typed codes are folded', () => {
    const c = queryCode(Buffer.from(Array.from({ length: 16 }, (_, i) => i * 17)));
    expect(c).toMatch(/^[A-HJKMNP-Z2-9]{10}$/);
    expect(queryCode(Buffer.alloc(16, 7))).toBe(queryCode(Buffer.alloc(16, 7)));
    expect(normaliseQueryCode(' abcd-efgh jk ')).toBe('ABCDEFGHJK');
  });
});

describe('the complaints repo\'s mapper', () => {
  it('turns a stored document into the record the services see (number from _id, absent fields empty, dates kept)', () => {
    const at = new Date('2026-10-12T02:00:00Z');
    const c = fromDoc({ _id: 'TS2026-0007', year: 2026, source: 'web', queryHash: 'h', receivedAt: at, receivedBy: 'public', entityText: '华达', content: '内容', status: 'received', ackDue: '2026-10-13', routedAt: at, version: 2 });
    expect(c).toEqual({
      complaintNo: 'TS2026-0007', source: 'web', queryHash: 'h', receivedAt: at, receivedBy: 'public', entityText: '华达', creditCode: '', entityName: '',
      content: '内容', contact: '', matter: '', department: '', routeNote: '', status: 'received', ackDue: '2026-10-13', routedAt: at,
      acknowledgedAt: undefined, acknowledgedBy: '', filingNo: '', outcome: '', closedAt: undefined, closedBy: '', version: 2,
    });
  });
});
