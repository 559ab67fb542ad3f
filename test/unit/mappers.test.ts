/**
 * Each repo's one mapper turns a stored document (as the driver returns it) into
 * the domain's record: fields read and converted one by one, absent optional
 * fields left out, a corrupt closed-set value refused rather than passed on.
 */
import { fromDoc as approvalFromDoc } from '../../store/repos/approvals';
import { fromDoc as auditFromDoc, importRunFromDoc } from '../../store/repos/audit';
import { fromDoc as cJointFromDoc } from '../../store/repos/cJoint';
import { fromDoc as circularFromDoc } from '../../store/repos/circulars';
import { fromDoc as complaintFromDoc } from '../../store/repos/complaints';
import { fromDoc as mappingFromDoc } from '../../store/repos/deptMappings';
import { fromDoc as cardFromDoc } from '../../store/repos/dingtalk';
import { inspectorFromDoc, itemFromDoc } from '../../store/repos/directory';
import { fromDoc as drawFromDoc } from '../../store/repos/draws';
import { fromDoc as entityFromDoc } from '../../store/repos/entities';
import { fromDoc as filingFromDoc } from '../../store/repos/filings';
import { fromDoc as inboundFromDoc } from '../../store/repos/inbound';
import { fromDoc as listPageFromDoc } from '../../store/repos/listPages';
import { fromDoc as userFromDoc } from '../../store/repos/org';
import { fromDoc as outboxFromDoc } from '../../store/repos/outbox';
import { fromDoc as planFromDoc } from '../../store/repos/plans';
import { adjustmentFromDoc, applicationFromDoc, milestoneFromDoc, riskChangeFromDoc, riskHistoryFromDoc } from '../../store/repos/poolYear';
import { fromDoc as publicationFromDoc } from '../../store/repos/publications';
import { bytes, date, json, oneOf, opt } from '../../store/repos/read';
import { fromDoc as resultFromDoc, followUpFromDoc, lenientFromDoc, riskProposalFromDoc } from '../../store/repos/results';
import { fromDoc as robotFromDoc } from '../../store/repos/robots';
import { fromDoc as sessionFromDoc } from '../../store/repos/sessions';
import { fromDoc as taskFromDoc } from '../../store/repos/tasks';

const at = new Date('2026-03-02T01:00:00Z');
const later = new Date('2026-03-05T08:30:00Z');

describe('field readers', () => {
  it('reads a date stored as a Date or as milliseconds (a change-feed row)', () => {
    expect(date(at)).toBe(at);
    expect(date(at.getTime())).toEqual(at);
    expect(() => date(undefined)).toThrow('not a date');
  });
  it('refuses a value outside a closed set', () => {
    expect(oneOf(['A', 'B', 'C'] as const, 'B')).toBe('B');
    expect(() => oneOf(['A', 'B', 'C'] as const, 'D')).toThrow('"D" is not one of A, B, C');
  });
  it('keeps an optional text field only when stored', () => {
    expect(opt('seed', undefined)).toEqual({});
    expect('seed' in opt('seed', null)).toBe(false);
    expect(opt('seed', 'abc')).toEqual({ seed: 'abc' });
  });
  it('reads JSON text and binary data in the shapes the driver returns', () => {
    expect(json<number[]>('[1,2]')).toEqual([1, 2]);
    expect(bytes(Buffer.from('ab')).toString()).toBe('ab');
    expect(bytes({ buffer: new Uint8Array([97, 98]) }).toString()).toBe('ab');
    expect(() => bytes('ab')).toThrow('not binary');
  });
});

describe('repo mappers', () => {
  it('plans: sampling by count or ratio, filter from JSON, the special reason only when given', () => {
    const stored = {
      _id: 'JH2026-SCJGJ-001', year: 2026, department: 'SCJGJ', pool: 'B',
      filter: JSON.stringify({ industries: ['制造业'], townships: [], riskClasses: [], sectorTags: [] }),
      items: ['SCJGJ:001'], count: null, ratioPermille: 50, windowFrom: '2026-04-01', windowTo: '2026-06-30',
      jointDepartments: [], specialReason: '', predictedTargets: 12, duplicates: ['JH2026-SCJGJ-000'],
      createdBy: 'u1', createdAt: at, updatedBy: 'u2', updatedAt: later, version: 3,
    };
    expect(planFromDoc(stored)).toEqual({
      planNo: 'JH2026-SCJGJ-001', year: 2026, department: 'SCJGJ', pool: 'B',
      filter: { industries: ['制造业'], townships: [], riskClasses: [], sectorTags: [] },
      items: ['SCJGJ:001'], sampling: { ratioPermille: 50 }, window: { from: '2026-04-01', to: '2026-06-30' },
      jointDepartments: [], predictedTargets: 12, duplicates: ['JH2026-SCJGJ-000'],
      createdBy: 'u1', createdAt: at, updatedBy: 'u2', updatedAt: later, version: 3,
    });
    expect(planFromDoc({ ...stored, count: 7, specialReason: '投诉集中' })).toMatchObject({ sampling: { count: 7 }, special: { reason: '投诉集中' } });
    expect(() => planFromDoc({ ...stored, pool: 'D' })).toThrow('not one of A, B, C');
  });

  it('filings: a filing never edited has no version, editor or edit time', () => {
    const stored = {
      _id: 'BA2026-0001', month: '2026-12', department: 'SCJGJ', creditCode: '91361129000000001X', entityName: '华达食品',
      pool: 'B', reason: '投诉举报', plannedDate: '2026-12-08', officers: ['P1', 'P2'], description: '核查', rules: ['R11'],
      createdBy: 'u1', createdAt: at,
    };
    const f = filingFromDoc(stored);
    expect(f).toEqual({ ...stored, _id: undefined, filingNo: 'BA2026-0001' });
    expect('version' in f || 'updatedBy' in f || 'updatedAt' in f).toBe(false);
    expect(filingFromDoc({ ...stored, version: 2, updatedBy: 'u3', updatedAt: later })).toMatchObject({ version: 2, updatedBy: 'u3', updatedAt: later });
  });

  it('users: platform ids only when bound, roles checked, active unless stored false', () => {
    const u = userFromDoc({ _id: 'u1', name: '王伟', department: 'SCJGJ', roles: ['official', 'leader'], wecomUserId: 'wangwei', createdAt: at, updatedAt: later });
    expect(u).toEqual({ userId: 'u1', name: '王伟', department: 'SCJGJ', roles: ['official', 'leader'], wecomUserId: 'wangwei', active: true, createdAt: at, updatedAt: later });
    expect('dingtalkStaffId' in u).toBe(false);
    expect(userFromDoc({ _id: 'u2', roles: [], active: false, createdAt: at, updatedAt: at }).active).toBe(false);
    expect(() => userFromDoc({ _id: 'u3', roles: ['boss'], createdAt: at, updatedAt: at })).toThrow('not one of');
  });

  it('approvals: steps and earlier rounds read field by field, card rows from JSON', () => {
    const step = { role: 'leader', department: 'SCJGJ', label: '部门领导审核', outcome: 'approved', by: 'u2', byName: '李明', at, comment: '同意' };
    const a = approvalFromDoc({
      _id: 'JH2026-SCJGJ-001', kind: 'plan', title: '计划', requestedBy: 'u1', requesterDepartment: 'SCJGJ', requestedAt: at,
      steps: [step, { role: 'office', department: 'XZFBGS', label: '联席办审核', outcome: 'pending' }], current: 1, status: 'pending',
      version: 2, waitingSince: later, fields: JSON.stringify([{ label: '年度', value: '2026' }]), flags: ['R13'],
      earlier: [{ ...step, outcome: 'rejected', round: 1 }],
    });
    expect(a.subject).toBe('JH2026-SCJGJ-001');
    expect(a.steps).toEqual([step, { role: 'office', department: 'XZFBGS', label: '联席办审核', outcome: 'pending' }]);
    expect(a.earlier).toEqual([{ ...step, outcome: 'rejected', round: 1 }]);
    expect(a.fields).toEqual([{ label: '年度', value: '2026' }]);
    expect('remindedAt' in a).toBe(false);
    expect(() => approvalFromDoc({ _id: 'x', kind: 'loan', steps: [], requestedAt: at, waitingSince: at, status: 'pending' })).toThrow('not one of');
  });

  it('sessions: conversation data from JSON, busy only while a turn holds it', () => {
    const s = sessionFromDoc({ _id: 'u1', flow: 'plan', step: 'year', data: '{"year":2026}', expiresAt: later, version: 4 });
    expect(s).toEqual({ userId: 'u1', flow: 'plan', step: 'year', data: { year: 2026 }, expiresAt: later, version: 4 });
    expect(sessionFromDoc({ _id: 'u1', flow: 'plan', step: 'year', data: '{}', expiresAt: later, version: 4, busyUntil: at }).busyUntil).toBe(at);
  });

  it('inspectors and items: the registry row without its stamp, optional dates only when stored', () => {
    const i = inspectorFromDoc({
      _id: 'P1', name: '王伟', department: 'SCJGJ', kind: 'civil_servant', certificateNo: 'C1', certificateExpiry: '2027-12-31',
      qualification: '', specialties: ['食品'], jointPool: true, active: true, conflicts: [], rowHash: 'h', createdAt: at, updatedAt: later, updatedBy: 'u1',
    });
    expect(i).toEqual({
      inspectorNo: 'P1', name: '王伟', department: 'SCJGJ', kind: 'civil_servant', certificateNo: 'C1', certificateExpiry: '2027-12-31',
      qualification: '', specialties: ['食品'], jointPool: true, active: true, conflicts: [], updatedAt: later, updatedBy: 'u1',
    });
    expect('jointPoolUpdatedOn' in i).toBe(false);
    const item = itemFromDoc({
      _id: 'SCJGJ:001', itemCode: '001', department: 'SCJGJ', name: '食品生产', legalBasis: '食品安全法', powerListCode: 'P-1',
      pools: ['A', 'B'], jointListA: false, specialty: '', rowHash: 'h', createdAt: at, updatedAt: later, updatedBy: 'u1',
    });
    expect(item).toEqual({
      itemCode: '001', department: 'SCJGJ', name: '食品生产', legalBasis: '食品安全法', powerListCode: 'P-1',
      pools: ['A', 'B'], jointListA: false, specialty: '', updatedAt: later, updatedBy: 'u1',
    });
  });

  it('entities: no proposal is an empty pending pool; a proposal keeps its pool and time', () => {
    const stored = {
      _id: '91361129000000001X', name: '华达食品', kind: '企业', industry: '制造业', township: '陈营镇', address: '', riskClass: '一般',
      sectorTags: ['食品安全'], departments: ['SCJGJ'], pool: 'B', poolPlacedBy: 'u1', poolPlacedAt: at, poolReason: '新增主体',
      pendingPool: '', pendingBy: '', pendingDepartment: '', pendingReason: '', rowHash: 'h', createdAt: at, updatedAt: at, updatedBy: 'u1',
    };
    const e = entityFromDoc(stored);
    expect(e).toEqual({ ...stored, _id: undefined, creditCode: '91361129000000001X' });
    expect('pendingAt' in e || 'lastInspectedAt' in e).toBe(false);
    expect(entityFromDoc({ ...stored, pendingPool: 'C', pendingAt: later })).toMatchObject({ pendingPool: 'C', pendingAt: later });
    expect(() => entityFromDoc({ ...stored, riskClass: '极高' })).toThrow('not one of');
  });

  it('R5: entities: each adjustment\'s move, kept in its own field, comes back as poolMoves oldest first; archived kept', () => {
    const stored = {
      _id: '91361129000000001X', name: '华达食品', kind: '企业', industry: '制造业', township: '陈营镇', address: '', riskClass: '一般',
      sectorTags: [], departments: ['SCJGJ'], pool: 'C', poolPlacedBy: 'lxb.b', poolPlacedAt: later, poolReason: '年度调库',
      pendingPool: '', pendingBy: '', pendingDepartment: '', pendingReason: '', rowHash: 'h', createdAt: at, updatedAt: later, updatedBy: 'lxb.b',
      poolMove_TZ2027: JSON.stringify({ at: '2027-12-20T02:00:00.000Z', by: 'lxb.b', from: 'B', to: 'C', reason: '严重违法', adjustment: 'TZ2027' }),
      poolMove_TZ2026: JSON.stringify({ at: '2026-12-20T02:00:00.000Z', by: 'lxb.a', from: 'A', to: 'B', reason: '一般违法', adjustment: 'TZ2026' }),
      archived: true, archivedReason: '注销',
    };
    const e = entityFromDoc(stored);
    expect(e.poolMoves?.map((m) => [m.adjustment, m.from, m.to, m.by])).toEqual([['TZ2026', 'A', 'B', 'lxb.a'], ['TZ2027', 'B', 'C', 'lxb.b']]);
    expect(e).toMatchObject({ archived: true, archivedReason: '注销' });
    expect('poolMove_TZ2026' in e).toBe(false);
  });

  it('tasks: parts from JSON, window from its two fields, dates from a change-feed row', () => {
    const parts = [{ drawNo: 'D1', planNo: 'P1', departments: ['SCJGJ'], officers: [], items: ['SCJGJ:001'], window: { from: '2026-04-01', to: '2026-06-30' }, at: at.toISOString() }];
    const row = {
      _id: '县市管局抽查〔2026〕1号', year: 2026, issuer: 'SCJGJ', lead: 'SCJGJ', departments: ['SCJGJ'], creditCode: '91361129000000001X',
      entityName: '华达食品', drawNos: ['D1'], planNos: ['P1'], officers: ['P1', 'P2'], items: ['SCJGJ:001'], windowFrom: '2026-04-01', windowTo: '2026-06-30',
      parts: JSON.stringify(parts), status: 'open', createdAt: at.getTime(), updatedAt: later.getTime(), cancelReason: '', version: 1,
    };
    const t = taskFromDoc(row);
    expect(t).toMatchObject({ taskNo: '县市管局抽查〔2026〕1号', window: { from: '2026-04-01', to: '2026-06-30' }, parts, createdAt: at, updatedAt: later, status: 'open' });
    expect('cancelledAt' in t).toBe(false);
    expect(() => taskFromDoc({ ...row, status: 'lost' })).toThrow('not one of open, cancelled');
  });

  it('draws: record and failure from JSON, the seal never read, optional fields only when stored', () => {
    const stored = {
      _id: 'P1-1', planNo: 'P1', year: 2026, department: 'SCJGJ', departments: ['SCJGJ'], pool: 'B', status: 'done', n: 100, k: 5,
      seedCommitment: 'c', snapshotDigest: 's', rosterDigest: 'r', record: JSON.stringify({ version: 1 }), sealed: 'secret',
      createdBy: 'u1', createdAt: at, voidedBy: '', voidReason: '', supersedes: '',
    };
    const d = drawFromDoc(stored);
    expect(d).toEqual({
      drawNo: 'P1-1', planNo: 'P1', year: 2026, department: 'SCJGJ', departments: ['SCJGJ'], pool: 'B', status: 'done', n: 100, k: 5,
      seedCommitment: 'c', snapshotDigest: 's', rosterDigest: 'r', record: { version: 1 }, createdBy: 'u1', createdAt: at, voidedBy: '', voidReason: '', supersedes: '',
    });
    expect(JSON.stringify(d)).not.toContain('secret');
    const failed = drawFromDoc({ ...stored, record: undefined, status: 'failed', seed: 'abc', failure: JSON.stringify({ rule: 'R8a' }) });
    expect(failed).toMatchObject({ seed: 'abc', failure: { rule: 'R8a' } });
    expect('record' in failed).toBe(false);
  });

  it('results, follow-ups, risk proposals and 免罚清单 entries', () => {
    const r = resultFromDoc({
      _id: 'T1', source: 'task', lead: 'SCJGJ', departments: ['SCJGJ'], creditCode: 'C', entityName: 'E', windowFrom: '2026-04-01', windowTo: '2026-06-30',
      status: 'pending', form: '', parts: '{}', earlier: '[]', correctionReason: '', round: 1, submittedBy: 'u1', submittedAt: later,
      openFollowUps: 0, createdAt: at, updatedAt: later, version: 2,
    });
    expect(r).toMatchObject({ taskNo: 'T1', window: { from: '2026-04-01', to: '2026-06-30' }, form: undefined, parts: {}, earlier: [], submittedAt: later });
    expect('approvedAt' in r).toBe(false);
    const f = followUpFromDoc({
      _id: 'T1/1', taskNo: 'T1', n: 1, creditCode: 'C', entityName: 'E', department: 'SCJGJ', itemKey: 'SCJGJ:001', problem: '标签不全',
      handling: JSON.stringify({ kind: 'rectify', deadline: '2026-07-01' }), owner: 'SCJGJ', status: 'open', due: '2026-07-01',
      extended: false, extensionReason: '', acceptedBy: '', review: '', closedBy: '', remindedOn: '', createdAt: at, updatedAt: at, version: 1,
    });
    expect(f).toMatchObject({ id: 'T1/1', handling: { kind: 'rectify', deadline: '2026-07-01' }, review: undefined, status: 'open' });
    expect(riskProposalFromDoc({
      _id: 'T1:raise', creditCode: 'C', entityName: 'E', taskNo: 'T1', direction: 'raise', from: '一般', to: '较高', reason: '立案查处',
      status: 'pending', createdAt: at, decidedBy: '', version: 1,
    })).toEqual({ id: 'T1:raise', creditCode: 'C', entityName: 'E', taskNo: 'T1', direction: 'raise', from: '一般', to: '较高', reason: '立案查处', status: 'pending', createdAt: at, decidedBy: '', version: 1 });
    expect(lenientFromDoc({ _id: 'SCJGJ:1', department: 'SCJGJ', no: 1, itemCode: '', violation: 'v', conditions: 'c', legalBasis: 'l', updatedAt: at, updatedBy: 'u' }))
      .toEqual({ department: 'SCJGJ', no: 1, itemCode: '', violation: 'v', conditions: 'c', legalBasis: 'l' });
  });

  it('audit entries and import runs', () => {
    expect(auditFromDoc({ _id: 'x', at, actor: 'u1', channel: 'cli', action: 'import', target: 'entities', changes: [{ field: 'pool', from: '"B"', to: '"C"' }], note: '' }))
      .toEqual({ at, actor: 'u1', channel: 'cli', action: 'import', target: 'entities', changes: [{ field: 'pool', from: '"B"', to: '"C"' }], note: '' });
    const run = importRunFromDoc({ _id: 'abc', kind: 'entities', file: 'a.xlsx', actor: 'u1', channel: 'cli', status: 'done', imported: 3, updated: 1, unchanged: 0, rejected: 0, lastCommittedRow: 4, error: '', startedAt: at, finishedAt: later });
    expect(run).toMatchObject({ id: 'abc', status: 'done', imported: 3, finishedAt: later });
  });

  it('list pages, group robots, department mappings and DingTalk cards', () => {
    expect(listPageFromDoc({ _id: 'u1', title: '查询', lines: '["a","b"]', offset: 1, expiresAt: later, version: 2 }))
      .toEqual({ userId: 'u1', title: '查询', lines: ['a', 'b'], offset: 1, expiresAt: later, version: 2 });
    expect(robotFromDoc({ _id: 'wecom:SCJGJ', platform: 'wecom', department: 'SCJGJ', sealed: 's', hint: '…abcd', boundBy: 'u1', boundAt: at }))
      .toEqual({ platform: 'wecom', department: 'SCJGJ', sealed: 's', hint: '…abcd', boundBy: 'u1', boundAt: at });
    expect(mappingFromDoc({ _id: '市场监管局', unit: 'SCJGJ', by: 'u1', at })).toEqual({ platformDept: '市场监管局', unit: 'SCJGJ', by: 'u1', at });
    expect(cardFromDoc({ _id: 'track1', space: 'IM_GROUP', target: 'cid', keys: ['k1'], createdAt: at }))
      .toEqual({ outTrackId: 'track1', space: 'IM_GROUP', target: 'cid', keys: ['k1'], createdAt: at });
  });

  it('pool year: an adjustment header, an A-pool application, class changes and history, a milestone', () => {
    const header = {
      _id: 'TZ2026', year: 2026, status: 'applied', since: at, createdBy: 'lxb.a', createdAt: at, total: 3, chunks: 1, counts: '{"new":2,"risk":1}',
      rejected: [2], rejectNote: '重复', appliedBy: 'lxb.b', appliedAt: later, applied: 2, version: 4,
    };
    expect(adjustmentFromDoc(header)).toEqual({
      id: 'TZ2026', year: 2026, status: 'applied', since: at, createdBy: 'lxb.a', createdAt: at, total: 3, chunks: 1, counts: { new: 2, risk: 1 },
      rejected: [2], rejectNote: '重复', appliedBy: 'lxb.b', appliedAt: later, applied: 2, version: 4,
    });
    expect(adjustmentFromDoc({ _id: 'TZ2027', year: 2027, status: 'draft', createdAt: at, counts: '' })).toMatchObject({ counts: {}, rejected: [], total: 0, since: undefined });
    expect(() => adjustmentFromDoc({ ...header, status: 'lost' })).toThrow('not one of draft, applying, applied');
    const application = { _id: 'C:SCJGJ', creditCode: 'C', kind: 'recommend', department: 'SCJGJ', reason: '信用良好', by: 'u1', at, status: 'used' };
    expect(applicationFromDoc(application)).toEqual({ creditCode: 'C', kind: 'recommend', department: 'SCJGJ', reason: '信用良好', by: 'u1', at, status: 'used' });
    expect(() => applicationFromDoc({ ...application, kind: 'demand' })).toThrow('not one of apply, recommend');
    expect(() => applicationFromDoc({ ...application, status: 'closed' })).toThrow('not one of open, used');
    expect(riskChangeFromDoc({ _id: 'C:2026-01-01:s', creditCode: 'C', from: '一般', to: '较高', date: '2026-01-01', source: 's', at: at.getTime() }))
      .toEqual({ creditCode: 'C', from: '一般', to: '较高', date: '2026-01-01', source: 's', at });
    const entry = { riskClass: '低', written: 'A', date: '2026-01-01', source: '省局', importedAt: at.toISOString(), by: 'u1' };
    expect(riskHistoryFromDoc({ _id: 'C', entries: [JSON.stringify(entry)], version: 1 })).toEqual([entry]);
    expect(riskHistoryFromDoc({ _id: 'C' })).toEqual([]);
    expect(milestoneFromDoc({ _id: 'R8:2026', at, by: 'lxb.a' })).toEqual({ at, by: 'lxb.a', note: '' });
    expect(() => milestoneFromDoc({ _id: 'R8:2026', by: 'lxb.a' })).toThrow('not a date');
  });

  it('circulars: figures from JSON, approval and sending times only when stored, status checked', () => {
    const stats = { period: { year: 2026 }, county: {}, departments: [], notes: [] };
    const stored = {
      _id: 'TB2026-0001', docNo: '万联办通〔2026〕3号', periodKey: '2026', periodLabel: '2026年度', title: 't', threshold: 80, requirements: 'r', remarks: '',
      stats: JSON.stringify(stats), author: 'lxb', authorName: '程丽华', auto: true, status: 'sent', sentTo: ['SCJGJ'], createdAt: at, updatedAt: later,
      approvedAt: later, sentAt: later, version: 5,
    };
    expect(circularFromDoc(stored)).toEqual({
      circularNo: 'TB2026-0001', docNo: '万联办通〔2026〕3号', periodKey: '2026', periodLabel: '2026年度', title: 't', threshold: 80, requirements: 'r', remarks: '',
      stats, author: 'lxb', authorName: '程丽华', auto: true, status: 'sent', sentTo: ['SCJGJ'], createdAt: at, updatedAt: later, approvedAt: later, sentAt: later, version: 5,
    });
    const draft = circularFromDoc({ ...stored, status: 'draft', sentTo: undefined, approvedAt: undefined, sentAt: undefined });
    expect(draft.sentTo).toEqual([]);
    expect('approvedAt' in draft || 'sentAt' in draft).toBe(false);
    expect(() => circularFromDoc({ ...stored, status: 'archived' })).toThrow('not one of draft, pending, returned, approved, sent');
  });

  it('C joint arrangements: disagreement and decision only when stored, basis and status checked', () => {
    const stored = {
      _id: '91361129000000001X', entityName: '华达食品', lead: 'SCJGJ', participants: ['YJJ'], basis: 'proposer', basisNote: '提出列入C类的单位',
      proposedBy: 'u1', proposedByName: '王伟', proposedDepartment: 'SCJGJ', proposedAt: at, status: 'decided',
      disagreeDepartment: 'YJJ', disagreeBy: 'u2', disagreeByName: '李明', disagreeComment: '不同意', disagreeAt: at,
      decidedBy: 'lxb.a', decidedByName: '程丽华', decidedAt: later, round: 1, version: 4, updatedAt: later,
    };
    expect(cJointFromDoc(stored)).toEqual({
      creditCode: '91361129000000001X', entityName: '华达食品', lead: 'SCJGJ', participants: ['YJJ'], basis: 'proposer', basisNote: '提出列入C类的单位',
      proposedBy: 'u1', proposedByName: '王伟', proposedDepartment: 'SCJGJ', proposedAt: at, status: 'decided',
      disagreement: { department: 'YJJ', by: 'u2', byName: '李明', comment: '不同意', at },
      decidedBy: 'lxb.a', decidedByName: '程丽华', decidedAt: later, round: 1, version: 4, updatedAt: later,
    });
    const plain = cJointFromDoc({ ...stored, status: 'confirming', disagreeDepartment: undefined, decidedBy: undefined });
    expect('disagreement' in plain || 'decidedBy' in plain || 'decidedAt' in plain).toBe(false);
    expect(() => cJointFromDoc({ ...stored, basis: 'seniority' })).toThrow('not one of proposer, items');
    expect(() => cJointFromDoc({ ...stored, status: 'pending' })).toThrow('not one of confirming, disputed, agreed, decided, dropped');
  });

  it('publications: the task number from _id, the date kept', () => {
    const stored = { _id: '县市管局抽查〔2026〕12号', department: 'SCJGJ', creditCode: 'C', round: 2, publishedAt: at, publishedBy: 'u1', version: 1 };
    expect(publicationFromDoc(stored)).toEqual({ taskNo: '县市管局抽查〔2026〕12号', department: 'SCJGJ', creditCode: 'C', entityName: '', round: 2, publishedAt: at, publishedBy: 'u1', version: 1 });
    expect(() => publicationFromDoc({ ...stored, publishedAt: undefined })).toThrow('not a date');
  });

  it('complaints: absent text fields empty, optional dates only when stored, source and status checked', () => {
    const stored = {
      _id: 'TS2026-0007', year: 2026, source: 'hotline', queryHash: 'h', receivedAt: at, receivedBy: 'u1', entityText: '华达', content: '内容', status: 'closed',
      ackDue: '2026-10-13', routedAt: at, acknowledgedAt: at, acknowledgedBy: 'u2', closedAt: later, closedBy: 'u2', outcome: '已处理', version: 4,
    };
    const c = complaintFromDoc(stored);
    expect(c).toMatchObject({ complaintNo: 'TS2026-0007', source: 'hotline', status: 'closed', contact: '', routedAt: at, closedAt: later, version: 4 });
    expect('year' in c).toBe(false);
    expect(complaintFromDoc({ ...stored, version: undefined, closedAt: undefined }).version).toBe(1);
    expect(() => complaintFromDoc({ ...stored, source: 'email' })).toThrow('not one of web, hotline');
    expect(() => complaintFromDoc({ ...stored, status: 'lost' })).toThrow('not one of unrouted, received, acknowledged, closed');
  });

  it('inbound messages and outbox entries: the queues', () => {
    const m = inboundFromDoc({ _id: 'dingtalk:msg1', platform: 'dingtalk', senderId: 'li', kind: 'text', text: '帮助', conversationType: '2', status: 'new', attempts: 1, tok: 'abc' });
    expect(m).toMatchObject({ id: 'dingtalk:msg1', msgId: 'msg1', platform: 'dingtalk', kind: 'text', text: '帮助', conversationType: '2', attempts: 1, tok: 'abc' });
    expect(m.actionKey).toBeUndefined();
    expect(() => inboundFromDoc({ _id: 'x:1', platform: 'feishu', kind: 'text' })).toThrow('not one of wecom, dingtalk');
    const payload = { platform: 'wecom', kind: 'app', toUser: 'LiWx', reply: { kind: 'text', text: '你好' } };
    expect(outboxFromDoc({
      _id: 'k1', payload: JSON.stringify(payload), platform: 'wecom', kind: 'app', rateKey: '', to: 'wecom:LiWx', seq: 7, status: 'pending',
      attempts: 0, nextAttemptAt: at, leaseOwner: '', leaseUntil: at, lastError: '', createdAt: at,
    })).toEqual({ id: 'k1', payload, attempts: 0, rateKey: '', to: 'wecom:LiWx', status: 'pending', lastError: '', createdAt: at, nextAttemptAt: at, seq: 7, leaseOwner: '' });
  });
});
