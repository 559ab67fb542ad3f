/**
 * Finding the user behind a WeCom (or DingTalk) id on the real database, as
 * every processed message does (through user_keys, two exact-_id reads): the
 * answer follows every save at once, in every process — an id moved to
 * another user or taken away, a user deactivated — and users saved before the
 * keys were kept are still found.
 */
import { createServices } from '../../src/app';
import { cliCaller } from '../../src/services/context';
import { connect } from '../../store/connection';
import { createRepos } from '../../store/repos';
import { freshDb, type TestDb } from '../helpers/db';

let db: TestDb;
let other: Awaited<ReturnType<typeof connect>>;
const admin = cliCaller('t');

beforeAll(async () => {
  db = await freshDb();
  await db.repos.org.seedDepartments();
  other = await connect(db.uri, db.dbName); // a second process's connection
});

afterAll(async () => {
  await other?.close();
  await db?.close();
});

const services = () => createServices({ repos: db.repos, now: () => new Date() });
/** identify as another process would run it. */
const elsewhere = () => createServices({ repos: createRepos(other.models), now: () => new Date() }).users;

describe('identify by platform id', () => {
  it('follows a changed or removed id, and a deactivation, at once in another process', async () => {
    const u = { userId: 'qian', name: '钱经办', department: '县市管局', roles: ['official'], wecomUserId: 'QianWx', dingtalkStaffId: 'qian-dd' };
    await services().users.save(admin, u);
    expect((await elsewhere().identify('wecom', 'QianWx'))?.userId).toBe('qian');
    expect((await elsewhere().identify('dingtalk', 'qian-dd'))?.userId).toBe('qian');

    await services().users.save(admin, { ...u, wecomUserId: 'QianWx2', dingtalkStaffId: undefined });
    expect(await elsewhere().identify('wecom', 'QianWx')).toBeUndefined();
    expect((await elsewhere().identify('wecom', 'QianWx2'))?.userId).toBe('qian');
    expect(await elsewhere().identify('dingtalk', 'qian-dd')).toBeUndefined();

    // The freed id given to someone else is theirs.
    await services().users.save(admin, { userId: 'sun', name: '孙经办', department: '县市管局', roles: ['official'], wecomUserId: 'QianWx' });
    expect((await elsewhere().identify('wecom', 'QianWx'))?.userId).toBe('sun');

    await services().users.save(admin, { ...u, wecomUserId: 'QianWx2', dingtalkStaffId: undefined, active: false });
    expect(await elsewhere().identify('wecom', 'QianWx2')).toBeUndefined();
  });

  it('finds a user whose key is missing (saved before keys were kept) and keeps the key from then on', async () => {
    await db.models.User.collection.insertOne({
      _id: 'zhou' as never, name: '周经办', department: 'SJ', roles: ['official'], wecomUserId: 'ZhouWx', active: true, createdAt: new Date(), updatedAt: new Date(),
    });
    expect((await elsewhere().identify('wecom', 'ZhouWx'))?.userId).toBe('zhou');
    expect(await db.models.User.db.db!.collection('user_keys').findOne({ _id: 'wecom:ZhouWx' as never })).toMatchObject({ userId: 'zhou' });
    expect((await services().users.identify('wecom', 'ZhouWx'))?.userId).toBe('zhou');
  });
});
