/**
 * DingTalk's contacts: POST /topapi/v2/department/listsub {dept_id} walked from
 * the root (1) down, and per department POST /topapi/v2/user/list {dept_id,
 * cursor, size: 100} page by page while has_more (next_cursor). DingTalk lists
 * only people still in the organisation. Errors name the API and errcode, never
 * the access_token.
 */
import axios, { type AxiosInstance } from 'axios';
import type { Config } from '../../../src/config';
import type { DirectoryPerson, DirectorySource } from '../../../src/services/directory';

const PAGE = 100;

interface OapiAnswer { errcode?: number; errmsg?: string; result?: unknown }

export function dingtalkDirectory({ config, accessToken, http }: { config: Config; accessToken: () => Promise<string>; http?: AxiosInstance }): DirectorySource {
  const client = http ?? axios.create({ timeout: 10_000 });
  const base = config.DINGTALK_OAPI_BASE.replace(/\/+$/, '');
  async function post(path: string, body: Record<string, unknown>): Promise<unknown> {
    const r = await client.post<OapiAnswer>(`${base}${path}`, body, { params: { access_token: await accessToken() }, validateStatus: () => true });
    if (r.status !== 200 || r.data?.errcode !== 0) throw new Error(`dingtalk ${path}: HTTP ${r.status} errcode ${String(r.data?.errcode)}`);
    return r.data.result;
  }
  return {
    platform: 'dingtalk',
    async fetch() {
      const depts: { id: number; name: string }[] = [];
      const queue = [1];
      while (queue.length) {
        const parent = queue.shift()!;
        for (const d of ((await post('/topapi/v2/department/listsub', { dept_id: parent })) ?? []) as { dept_id: number; name: string }[]) {
          if (depts.some((x) => x.id === d.dept_id)) continue;
          depts.push({ id: d.dept_id, name: d.name });
          queue.push(d.dept_id);
        }
      }
      const nameOf = new Map(depts.map((d) => [d.id, d.name]));
      const people = new Map<string, DirectoryPerson>();
      for (const deptId of [1, ...depts.map((d) => d.id)]) {
        for (let cursor: number | undefined = 0; cursor !== undefined;) {
          const page = (await post('/topapi/v2/user/list', { dept_id: deptId, cursor, size: PAGE })) as { has_more?: boolean; next_cursor?: number; list?: { userid: string; name: string; mobile?: string; dept_id_list?: number[] }[] };
          for (const u of page?.list ?? []) {
            if (people.has(u.userid)) continue;
            people.set(u.userid, {
              platformId: u.userid, name: u.name, mobile: u.mobile || undefined,
              departments: (u.dept_id_list ?? []).map((i) => nameOf.get(i)).filter((n): n is string => Boolean(n)),
              active: true,
            });
          }
          cursor = page?.has_more && typeof page.next_cursor === 'number' ? page.next_cursor : undefined;
        }
      }
      return { departments: depts.map((d) => d.name), people: [...people.values()] };
    },
  };
}
