/**
 * `import users <file>`: people with their platform ids and roles from a
 * spreadsheet, for counties that prefer one to the directory. Each row goes
 * through the same checks as `user add` (R19, R20); bad rows are reported with
 * their row number and reason, good ones saved; the same file twice changes nothing.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { findUnit, ROLES } from '../domain/organisation';
import { Refusal, renderRefusal, type Caller, type Deps } from './context';
import { cellText, sheetRows } from './importer';
import { parseRole } from './roles';
import type { UserService } from './users';

const HEADERS: Record<string, string[]> = {
  userId: ['账号', '用户ID', '用户id', 'userId'],
  name: ['姓名', 'name'],
  department: ['部门', '单位', 'department'],
  roles: ['角色', 'roles'],
  wecomUserId: ['企业微信账号', '企业微信', 'wecom'],
  dingtalkStaffId: ['钉钉账号', '钉钉', 'dingtalk'],
  mobile: ['手机号', '手机', 'mobile'],
};

export interface UserImportSummary {
  imported: number;
  updated: number;
  unchanged: number;
  rejected: { row: number; reason: string }[];
}

export function userImportService({ repos }: Deps, users: UserService) {
  return {
    async importFile(by: Caller, file: string): Promise<UserImportSummary> {
      const ext = path.extname(file).toLowerCase();
      if (ext !== '.csv' && ext !== '.xlsx') throw new Refusal(`无法导入“${path.basename(file)}”：只支持.xlsx和.csv文件`);
      try {
        if (!(await fsp.stat(file)).isFile()) throw new Error('not a file');
      } catch {
        throw new Refusal(`找不到文件“${file}”，请检查路径`);
      }
      const out: UserImportSummary = { imported: 0, updated: 0, unchanged: 0, rejected: [] };
      let columns: (string | undefined)[] | undefined;
      for await (const r of sheetRows(file)) {
        if (!columns) {
          columns = r.values.map((v) => Object.keys(HEADERS).find((k) => HEADERS[k]!.includes(cellText(v).trim())));
          for (const need of ['userId', 'department', 'roles']) {
            if (!columns.includes(need)) throw new Refusal(`第1行缺少“${HEADERS[need]![0]}”列；应有：${Object.values(HEADERS).map((h) => h[0]).join('、')}`);
          }
          continue;
        }
        const cell: Record<string, string> = {};
        columns.forEach((c, i) => { if (c) cell[c] = cellText(r.values[i]).trim(); });
        if (Object.values(cell).every((v) => !v)) continue;
        const roleWords = (cell.roles ?? '').split(/[、,，;；\s]+/).filter(Boolean);
        const roles = roleWords.map((w) => parseRole(w));
        const bad = roleWords.find((_, i) => !roles[i]);
        if (bad) { out.rejected.push({ row: r.row, reason: `角色“${bad}”无效，可选：${ROLES.join(', ')} 或其中文名称` }); continue; }
        const before = await repos.org.user(cell.userId ?? '');
        const unit = findUnit(cell.department ?? '')?.code;
        const wantRoles = [...new Set(roles as string[])];
        if (before && before.active && before.department === unit && before.name === (cell.name || before.userId)
          && before.roles.join() === wantRoles.join() && (before.wecomUserId ?? '') === (cell.wecomUserId ?? '')
          && (before.dingtalkStaffId ?? '') === (cell.dingtalkStaffId ?? '') && (!cell.mobile || before.mobile === cell.mobile)) {
          out.unchanged++;
          continue;
        }
        try {
          const saved = await users.save(by, {
            userId: cell.userId ?? '', name: cell.name ?? '', department: cell.department ?? '', roles: roles as string[],
            wecomUserId: cell.wecomUserId, dingtalkStaffId: cell.dingtalkStaffId, active: true,
          });
          if (cell.mobile && cell.mobile !== saved.mobile) await repos.org.saveUser({ ...saved, mobile: cell.mobile });
          if (before) out.updated++;
          else out.imported++;
        } catch (err) {
          if (!(err instanceof Refusal)) throw err;
          out.rejected.push({ row: r.row, reason: renderRefusal(err) });
        }
      }
      return out;
    },
  };
}
