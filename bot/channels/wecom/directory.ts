/**
 * WeCom's contacts, within the application's visible range:
 * GET /cgi-bin/department/list (every visible department) and, per department,
 * GET /cgi-bin/user/list?department_id= (its direct members, with status:
 * 1 active, 2 disabled, 4 not yet activated, 5 left). Errors name the API and
 * errcode, never the access_token.
 */
import axios, { type AxiosInstance } from 'axios';
import type { Config } from '../../../src/config';
import type { DirectoryPerson, DirectorySource } from '../../../src/services/directory';

interface WecomAnswer { errcode?: number; errmsg?: string; [k: string]: unknown }

export function wecomDirectory({ config, accessToken, http }: { config: Config; accessToken: () => Promise<string>; http?: AxiosInstance }): DirectorySource {
  const client = http ?? axios.create({ baseURL: config.WECOM_API_BASE, timeout: 10_000 });
  async function get(path: string, params: Record<string, string | number>): Promise<WecomAnswer> {
    const r = await client.get<WecomAnswer>(path, { params: { ...params, access_token: await accessToken() }, validateStatus: () => true });
    if (r.status !== 200 || r.data?.errcode !== 0) throw new Error(`wecom ${path}: HTTP ${r.status} errcode ${String(r.data?.errcode)}`);
    return r.data;
  }
  return {
    platform: 'wecom',
    async fetch() {
      const depts = ((await get('/cgi-bin/department/list', {})).department ?? []) as { id: number; name: string }[];
      const nameOf = new Map(depts.map((d) => [d.id, d.name]));
      const people = new Map<string, DirectoryPerson>();
      for (const d of depts) {
        const list = ((await get('/cgi-bin/user/list', { department_id: d.id })).userlist ?? []) as { userid: string; name: string; department?: number[]; main_department?: number; mobile?: string; status?: number }[];
        for (const u of list) {
          if (people.has(u.userid)) continue;
          const ids = [...new Set([u.main_department, ...(u.department ?? [])].filter((x): x is number => typeof x === 'number'))];
          people.set(u.userid, {
            platformId: u.userid, name: u.name, mobile: u.mobile || undefined,
            departments: ids.map((i) => nameOf.get(i)).filter((n): n is string => Boolean(n)),
            active: u.status === undefined || u.status === 1 || u.status === 4,
          });
        }
      }
      return { departments: depts.map((d) => d.name), people: [...people.values()] };
    },
  };
}
