/**
 * The demo county's organisation as the platforms' contact APIs serve it
 * (通讯录): one directory department per member unit under the county, plus
 * 县市管局's enforcement team in a sub-department whose name matches no unit;
 * in it the people who hold the demo's roles, the first admin, and one person
 * per inspector on duty. Pure: the same demo data gives the same directory.
 *
 * The demo reads it through a DirectorySource, so its people are created by the
 * same directory sync as a real county's; the WeCom and DingTalk emulators serve
 * the same organisation over HTTP (test/emulators/directoryFixtures.ts).
 */
import { MEMBER_UNITS, findUnit } from '../../domain/organisation';
import type { Role } from '../../domain/organisation';
import type { DirectoryPlatform, DirectorySource } from '../directory';
import { dingtalkIdOf, FIRST_ADMIN, SUB_DEPARTMENT, USERS, wecomIdOf } from './fixtures';
import type { DemoData } from './generate';

export interface DemoDepartment {
  /** The platform's department id (WeCom and DingTalk alike; 1 is the county, the root). */
  id: number;
  name: string;
  parentId: number;
}

export interface DemoPerson {
  name: string;
  /** The directory department's id. */
  departmentId: number;
  wecomUserId: string;
  dingtalkUserId: string;
  mobile: string;
  /** Roles an admin grants after the sync (授权). */
  roles: Role[];
  /** The inspector this person is, for inspectors. */
  inspectorNo?: string;
}

export interface DemoDirectory {
  departments: DemoDepartment[];
  people: DemoPerson[];
}

export const COUNTY_DEPARTMENT = { id: 1, name: '万年县', parentId: 0 } as const;
const unitDeptId = (unitIndex: number) => 100 + unitIndex;
const SUB_DEPT_ID = 200;

/** The directory the demo county syncs from; inspectors not on duty are not in it. */
export function demoDirectory(data: Pick<DemoData, 'inspectors' | 'inspectorUser'>): DemoDirectory {
  const departments: DemoDepartment[] = [
    { ...COUNTY_DEPARTMENT },
    ...MEMBER_UNITS.map((u, i) => ({ id: unitDeptId(i), name: u.name, parentId: COUNTY_DEPARTMENT.id })),
  ];
  const subParent = MEMBER_UNITS.findIndex((u) => u.code === SUB_DEPARTMENT.unit);
  departments.push({ id: SUB_DEPT_ID, name: SUB_DEPARTMENT.name, parentId: unitDeptId(subParent) });
  const deptOf = (code: string) => unitDeptId(MEMBER_UNITS.findIndex((u) => u.code === code));

  const people: DemoPerson[] = [
    { name: FIRST_ADMIN.name, departmentId: deptOf(FIRST_ADMIN.department), wecomUserId: FIRST_ADMIN.wecomUserId, dingtalkUserId: FIRST_ADMIN.dingtalkStaffId, mobile: FIRST_ADMIN.mobile, roles: [] },
    ...USERS.map((u) => ({ name: u.name, departmentId: deptOf(u.department), wecomUserId: u.userId, dingtalkUserId: u.dingtalkStaffId, mobile: u.mobile, roles: u.roles })),
  ];
  for (const r of data.inspectors) {
    if (r.active !== '是') continue;
    const unit = findUnit(r.department)!;
    const u = MEMBER_UNITS.findIndex((m) => m.code === unit.code);
    const n = Number(r.inspectorNo.slice(r.inspectorNo.lastIndexOf('-') + 1));
    people.push({
      name: r.name,
      // 县市管局's inspectors but its first work in the enforcement team's sub-department.
      departmentId: unit.code === SUB_DEPARTMENT.unit && n > 1 ? SUB_DEPT_ID : unitDeptId(u),
      wecomUserId: wecomIdOf(r.inspectorNo),
      dingtalkUserId: dingtalkIdOf(u, n),
      mobile: r.mobile!,
      roles: r.inspectorNo === data.inspectorUser.inspectorNo ? ['inspector'] : [],
      inspectorNo: r.inspectorNo,
    });
  }
  return { departments, people };
}

/** The directory as one platform's contact APIs would list it, for the directory sync. */
export function demoDirectorySource(dir: DemoDirectory, platform: DirectoryPlatform): DirectorySource {
  const nameOf = new Map(dir.departments.map((d) => [d.id, d.name]));
  return {
    platform,
    fetch: async () => ({
      departments: dir.departments.map((d) => d.name),
      people: dir.people.map((p) => ({
        platformId: platform === 'wecom' ? p.wecomUserId : p.dingtalkUserId,
        name: p.name,
        mobile: p.mobile,
        departments: [nameOf.get(p.departmentId)!],
        active: true,
      })),
    }),
  };
}
