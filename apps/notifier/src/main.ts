import './tracing/start-tracing';
import 'reflect-metadata';
import { resolve } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig, NotifierConfig } from '@app/config';
import { EmbeddedDatabase, startEmbeddedPostgres } from '@app/embedded-postgres';
import { demoBanner } from './demo-banner';
import { createNotifierApp, listenOn } from './notifier-app';

async function main(): Promise<void> {
  const config = readConfig();
  const database = await openDatabase(config);
  const app = await createNotifierApp(config, database.url).catch(async (error: unknown) => {
    await database.stop();
    throw error;
  });
  const logger = app.get(Logger);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.log(`${signal} received: ending streams and shutting down`);
    // Stop accepting first; open streams are ended by the hub, and clients resume elsewhere.
    app.getHttpServer().close();
    app
      .close()
      .then(() => database.stop())
      .then(() => process.exit(0))
      .catch((error: Error) => {
        logger.error(`Shutdown failed: ${error.message}`);
        process.exit(1);
      });
  };
  takeOverSignals(shutdown);

  await listenOn(app, config.http.port, config.http.host);
  if (!config.production) {
    const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
    const baseUrl = `http://${host}:${config.http.port}`;
    const embedded = config.databaseUrl === undefined;
    process.stdout.write(
      demoBanner(config, app.get(JwtService), baseUrl, { url: database.url, embedded }),
    );
  }
}

/**
 * embedded-postgres stops its servers on SIGINT/SIGTERM and exits 128+signal at once. The
 * service shuts down in its own order (streams, listener, pool, then the database) and exits
 * 0, so it takes the signals over; the package still stops its server on a plain exit.
 */
function takeOverSignals(shutdown: (signal: NodeJS.Signals) => void): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, shutdown);
  }
}

function readConfig(): NotifierConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

async function openDatabase(config: NotifierConfig): Promise<EmbeddedDatabase> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, started: false, stop: () => Promise.resolve() };
  }
  return startEmbeddedPostgres({
    dir: resolve('.data'),
    port: config.embeddedPostgresPort,
    database: 'notifier',
  });
}

main().catch((error: Error) => {
  process.stderr.write(`Notifier failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
