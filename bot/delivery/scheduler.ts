/** Periodic jobs that run once per period across all processes (a lease in the jobs collection). */
import type { Logger } from '../../src/logger';
import type { Repos } from '../../store/repos';

export interface Job {
  name: string;
  everyMs: number;
  run(now: Date): Promise<string>;
}

export function createScheduler(o: { repos: Repos; jobs: Job[]; now: () => Date; owner: string; log: Logger }) {
  let ensured = false;
  return {
    /** Runs every due job this process can claim; false when none was due. */
    async step(): Promise<boolean> {
      if (!ensured) {
        for (const j of o.jobs) await o.repos.jobs.ensure(j.name, o.now());
        ensured = true;
      }
      let ran = false;
      for (const j of o.jobs) {
        const start = o.now();
        if (!(await o.repos.jobs.claim(j.name, o.owner, start, Math.max(j.everyMs, 60_000)))) continue;
        let result: string;
        try {
          result = await j.run(start);
        } catch (err) {
          result = `failed: ${(err as Error).message}`;
          o.log.error(`job ${j.name} failed`, { error: (err as Error).message });
        }
        await o.repos.jobs.done(j.name, o.owner, o.now(), new Date(start.getTime() + j.everyMs), result.slice(0, 300));
        ran = true;
      }
      return ran;
    },
  };
}
