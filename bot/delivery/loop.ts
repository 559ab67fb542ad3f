/**
 * A polling worker loop: take one unit of work at a time until there is none,
 * then wait; wake early when poked (a webhook just recorded something). Errors
 * (the database gone, say) are logged and retried after a growing pause, so a
 * worker outlives an outage and picks up where it was once the database is back.
 */
import type { Logger } from '../../src/logger';

export interface Loop {
  poke(): void;
  stop(): Promise<void>;
}

export function startLoop(name: string, step: () => Promise<boolean>, log: Logger, opts: { idleMs: number; concurrency: number }): Loop {
  let stopped = false;
  const wakers = new Set<() => void>();
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const wake = () => { clearTimeout(t); wakers.delete(wake); resolve(); };
    const t = setTimeout(wake, ms);
    wakers.add(wake);
  });
  const wakeAll = () => { for (const w of [...wakers]) w(); };

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      try {
        const did = await step();
        failures = 0;
        if (!did) await sleep(opts.idleMs);
      } catch (err) {
        failures++;
        if (failures === 1 || failures % 20 === 0) log.warn(`${name} worker: ${(err as Error).message}`, { failures });
        await sleep(Math.min(200 * 2 ** Math.min(failures, 5), 5000));
      }
    }
  }

  const runners = Array.from({ length: opts.concurrency }, () => run());
  return {
    poke: wakeAll,
    async stop() {
      stopped = true;
      wakeAll();
      await Promise.all(runners);
    },
  };
}
