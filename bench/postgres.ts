import { readFile } from 'node:fs/promises';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../libs/embedded-postgres/src';
import { childPids, processCpuMs } from './processes';

/**
 * An embedded PostgreSQL of its own for one system and run, at the given wal_level (`replica`
 * is the server's default), with pg_stat_statements loaded to split its work by statement.
 */
export async function startBenchPostgres(dir: string, port: number, walLevel: string) {
  const server = await startEmbeddedPostgres({
    dir,
    port,
    database: 'notifier_bench',
    serverFlags: [
      ...['-c', `wal_level=${walLevel}`, '-c', 'shared_preload_libraries=pg_stat_statements'],
      // Thousands of SSE clients never touch Postgres, but producers and pools together may.
      ...['-c', 'max_connections=200'],
    ],
  });
  await query(server.url, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const [{ server_version }] = await query(server.url, 'SHOW server_version');
  return { url: server.url, version: server_version, stop: () => server.stop() };
}

export async function query(url: string, sql: string): Promise<Record<string, string>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, string>>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The plain table of the producers' share: the outbox's columns, defaults and checks. */
export const PLAIN_TABLE = 'bench_plain';

export async function createPlainTable(url: string): Promise<void> {
  await query(
    url,
    `DROP TABLE IF EXISTS ${PLAIN_TABLE};
     CREATE TABLE ${PLAIN_TABLE} (
       id bigserial PRIMARY KEY,
       user_id text NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 200
         AND user_id !~ '[\\x01-\\x1f\\x7f-\\x9f]'),
       type text NOT NULL DEFAULT 'message' CHECK (type ~ '^[A-Za-z0-9_.:-]{1,100}$'),
       payload jsonb NOT NULL DEFAULT '{}' CHECK (octet_length(payload::text) <= 65536),
       created_at timestamptz NOT NULL DEFAULT now(),
       traceparent text CHECK (traceparent ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$'),
       dedupe_key text CHECK (char_length(dedupe_key) BETWEEN 1 AND 200
         AND dedupe_key !~ '[\\x01-\\x1f\\x7f-\\x9f]'))`,
  );
}

/** Kinds of Postgres process, by what they do for whom. */
export const PG_KINDS = [
  'producers',
  'service',
  'walsender',
  'autovacuum',
  'writers',
  'other',
] as const;
export type PgKind = (typeof PG_KINDS)[number];

export interface StatementCost {
  query: string;
  calls: number;
  ms: number;
}

/** Statements are counted, and their counts reset, in the bench's database alone. */
const OUR_DB = '(SELECT oid FROM pg_database WHERE datname = current_database())';

/**
 * What a Postgres server spends over a window: the CPU time of each of its processes from
 * /proc (time on a CPU; its backends, walsenders, autovacuum and writers alike, so commits and
 * WAL flushes count, not only statement time), sampled every 200 ms so that a process that
 * exits is still attributed to its kind; whatever exited unseen reaches the postmaster's
 * reaped time and is counted as `other`. The meter's own backend is left out.
 */
export class PostgresMeter {
  private constructor(
    private readonly client: Client,
    private readonly postmaster: number,
    private readonly ownPid: number,
    /** pg_stat_statements is loaded (the bench's servers load it; another may not). */
    private readonly statementsKept: boolean,
  ) {}

  static async connect(url: string): Promise<PostgresMeter> {
    const client = new Client({ connectionString: url, application_name: 'bench-meter' });
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const stat = await readFile(`/proc/${rows[0].pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const kept = await client.query('SELECT 1 FROM pg_stat_statements LIMIT 1').then(
      () => true,
      () => false,
    );
    return new PostgresMeter(client, ppid, rows[0].pid, kept);
  }

  close(): Promise<void> {
    return this.client.end();
  }

  /**
   * Starts a window; the returned function ends it, with the CPU ms of every server process by
   * kind, the statements by execution time, most first, and how many ran (pg_stat_statements).
   */
  async begin() {
    const { rows } = await this.client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'bench-producer'`,
    );
    const producers = new Set(rows.map((row) => row.pid));
    /** Every process seen in the window: its kind, and its CPU ms when first and last seen. */
    const seen = new Map<number, { kind: PgKind; first: number; last: number }>();
    const sample = async (inWindow = true) => {
      for (const pid of await childPids(this.postmaster)) {
        const ms = await processCpuMs(pid);
        if (ms === undefined || pid === this.ownPid) continue;
        const known = seen.get(pid);
        if (known) {
          known.last = ms;
          continue;
        }
        const kind = producers.has(pid) ? 'producers' : await kindOf(pid);
        // A process first seen in the window was born in it: all its time counts.
        seen.set(pid, { kind, first: inWindow ? 0 : ms, last: ms });
      }
    };
    await sample(false);
    const postmasterStart = (await processCpuMs(this.postmaster))!;
    if (this.statementsKept)
      await this.client.query(`SELECT pg_stat_statements_reset(0, ${OUR_DB}, 0)`);
    // One sample at a time, so that a late one cannot overwrite a newer reading.
    let sampling = Promise.resolve();
    const timer = setInterval(() => void (sampling = sampling.then(() => sample())), 200);

    return async () => {
      clearInterval(timer);
      await (sampling = sampling.then(() => sample()));
      const postmasterEnd = (await processCpuMs(this.postmaster))!;
      const cpuMs = Object.fromEntries(PG_KINDS.map((kind) => [kind, 0])) as Record<PgKind, number>;
      const alive = new Set(await childPids(this.postmaster));
      // Children that exited are in the postmaster's reaped time, with what they had spent
      // before the window: that part comes off.
      let total = postmasterEnd - postmasterStart;
      for (const [pid, { kind, first, last }] of seen) {
        cpuMs[kind] += last - first;
        total += alive.has(pid) ? last - first : -first;
      }
      cpuMs.other += total - PG_KINDS.reduce((sum, kind) => sum + cpuMs[kind], 0);
      const statements = this.statementsKept ? await this.statements() : [];
      return {
        cpuMs,
        statements: statements.slice(0, 8),
        calls: this.statementsKept ? statements.reduce((sum, s) => sum + s.calls, 0) : undefined,
      };
    };
  }

  /** What ran in this database since the window's reset, most time first. */
  private async statements(): Promise<StatementCost[]> {
    const { rows } = await this.client.query<StatementCost>(
      `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, sum(calls)::int AS calls,
              sum(total_exec_time) AS ms
       FROM pg_stat_statements WHERE dbid = ${OUR_DB} AND query NOT LIKE '%pg_stat_%'
       GROUP BY 1 ORDER BY ms DESC`,
    );
    return rows;
  }
}

/** From the process title Postgres sets (`postgres: walsender …`, `postgres: user db host(port) …`). */
async function kindOf(pid: number): Promise<PgKind> {
  const title = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (title.includes('walsender')) return 'walsender';
  if (title.includes('autovacuum')) return 'autovacuum';
  if (/checkpointer|background writer|walwriter/.test(title)) return 'writers';
  if (/\(\d+\)|\[local\]/.test(title)) return 'service';
  return 'other';
}
