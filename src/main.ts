/** `npm start`: the composition root of the server. */
import type { Server } from 'node:http';
import { configOrExit } from './config';
import { openApp } from './app';
import { createLogger, redactUri } from './logger';
import { createHttpApp } from './http/app';

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.LOG_LEVEL);
  const app = await openApp(config, (l) => log.info(l));
  if (config.MONGODB_URI) log.info('database', { uri: redactUri(config.MONGODB_URI), db: config.DB_NAME });
  const http = createHttpApp({ conn: app.db.conn, engine: app.db.engine });
  const server: Server = http.listen(config.PORT, config.HOST, () => {
    log.info('listening', { port: config.PORT, host: config.HOST, db: app.db.engine });
  });
  const stop = (signal: string) => {
    log.info('stopping', { signal });
    server.close(() => {
      app.close().then(() => process.exit(0), () => process.exit(1));
    });
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(1);
});
