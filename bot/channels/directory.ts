/** The directory sources of the platforms this server is configured for (CLI `directory sync` and the daily job). */
import type { Config } from '../../src/config';
import type { Logger } from '../../src/logger';
import type { Caller } from '../../src/services/context';
import type { DirectoryPlatform, DirectoryService, DirectorySource } from '../../src/services/directory';
import type { Repos } from '../../store/repos';
import { wecomApi } from './wecom/api';
import { dingtalkApi } from './dingtalk/api';
import { wecomDirectory } from './wecom/directory';
import { dingtalkDirectory } from './dingtalk/directory';

export function directorySources({ config, repos, now, log }: { config: Config; repos: Repos; now: () => Date; log: Logger }): Partial<Record<DirectoryPlatform, DirectorySource>> {
  const out: Partial<Record<DirectoryPlatform, DirectorySource>> = {};
  if (config.WECOM_CORP_ID) {
    const api = wecomApi({ config, tokens: repos.tokens, files: repos.files, now, log });
    out.wecom = wecomDirectory({ config, accessToken: () => api.accessToken() });
  }
  if (config.DINGTALK_APP_KEY) {
    const api = dingtalkApi({ config, tokens: repos.tokens, files: repos.files, dingtalk: repos.dingtalk, now, log });
    out.dingtalk = dingtalkDirectory({ config, accessToken: () => api.accessToken() });
  }
  return out;
}

/** The daily sync of every configured platform an admin has synced once, as the system (audited under `system:directory`). */
export function directorySyncJob(directory: DirectoryService, sources: Partial<Record<DirectoryPlatform, DirectorySource>>) {
  const system: Caller = { userId: 'system:directory', name: '通讯录同步', department: 'SCJGJ', roles: ['admin'], channel: 'system' };
  return async (): Promise<string> => {
    const out: string[] = [];
    for (const source of Object.values(sources)) {
      // The first sync is an admin's (after a dry run); the job keeps it up from then on.
      if (!(await directory.lastRun(source.platform))) continue;
      const r = await directory.sync(system, source);
      out.push(`${source.platform}: +${r.created.length} ~${r.updated.length} -${r.deactivated.length}`);
    }
    return out.join('; ') || 'no platform';
  };
}
