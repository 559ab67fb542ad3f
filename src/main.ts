/** `npm start`: the server (webhooks, workers, jobs) until SIGINT or SIGTERM. */
import { configOrExit } from './config';
import { createLogger, redactUri } from './logger';
import { startRuntime } from './runtime';

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.LOG_LEVEL);
  if (config.MONGODB_URI) log.info('database', { uri: redactUri(config.MONGODB_URI), db: config.DB_NAME });
  const runtime = await startRuntime(config, log);
  log.info('running', { pid: process.pid });
  const stop = (signal: string) => {
    log.info('stopping', { signal });
    setTimeout(() => process.exit(1), 15_000).unref();
    runtime.stop().then(() => process.exit(0), () => process.exit(1));
  };
  // The local database died and could not be started again: exit, so that a process manager restarts the whole.
  runtime.app.db.onLost((reason) => {
    log.error('database lost; exiting', { reason });
    setTimeout(() => process.exit(1), 5000).unref();
    runtime.stop().finally(() => process.exit(1));
  });
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(1);
});
