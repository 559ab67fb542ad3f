/**
 * The demo county's organisation (src/services/demo/directory.ts) in each
 * platform's contact-API shape, for the emulators to serve: the same people,
 * departments and platform ids the demo syncs, over real HTTP.
 */
import type { DemoDirectory } from '../../src/services/demo';
import type { WecomDirectory } from './wecom';
import type { DingtalkDirectory } from './dingtalk';

/** WeCom: department/list rows and user/list rows (status 1: active). */
export function wecomDirectoryOf(dir: DemoDirectory): WecomDirectory {
  return {
    departments: dir.departments.map((d) => ({ id: d.id, name: d.name, parentid: d.parentId })),
    users: dir.people.map((p) => ({ userid: p.wecomUserId, name: p.name, department: [p.departmentId], main_department: p.departmentId, mobile: p.mobile, status: 1 })),
  };
}

/** DingTalk: department/listsub rows below the root (1) and v2/user/list rows. */
export function dingtalkDirectoryOf(dir: DemoDirectory): Omit<DingtalkDirectory, 'pageSizeCap'> {
  return {
    departments: dir.departments.filter((d) => d.id !== 1).map((d) => ({ dept_id: d.id, name: d.name, parent_id: d.parentId })),
    users: dir.people.map((p) => ({ userid: p.dingtalkUserId, name: p.name, mobile: p.mobile, dept_id_list: [p.departmentId] })),
  };
}

/** Replaces what an emulator's directory holds with `next` (the emulators keep the object they serve). */
export function loadDirectory<T extends { departments: unknown[]; users: unknown[] }>(target: T, next: Pick<T, 'departments' | 'users'>): void {
  target.departments.splice(0, target.departments.length, ...next.departments);
  target.users.splice(0, target.users.length, ...next.users);
}
