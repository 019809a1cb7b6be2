import { readFile } from 'node:fs/promises';
import { Client } from 'pg';
import { childPids, processCpu } from './systems/processes';

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
       created_at timestamptz NOT NULL DEFAULT now())`,
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

export interface PostgresUsage {
  /** CPU ms of every server process over the window, by kind. */
  cpuMs: Record<PgKind, number>;
  /** Statements by execution time over the window (pg_stat_statements), most first. */
  statements: StatementCost[];
  /** Statements run in the window; undefined without pg_stat_statements. */
  calls?: number;
}

type Statements = Map<string, { calls: number; ms: number }>;

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

  /** Starts a window; the returned function ends it. */
  async begin(): Promise<() => Promise<PostgresUsage>> {
    const { rows } = await this.client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'bench-producer'`,
    );
    const producers = new Set(rows.map((row) => row.pid));
    const kinds = new Map<number, PgKind>();
    const start = new Map<number, number>();
    const last = new Map<number, number>();
    const sample = async () => {
      for (const pid of await childPids(this.postmaster)) {
        const cpu = await processCpu(pid);
        if (!cpu || pid === this.ownPid) continue;
        if (!kinds.has(pid)) kinds.set(pid, producers.has(pid) ? 'producers' : await kindOf(pid));
        last.set(pid, cpu.own + cpu.reaped);
      }
    };
    await sample();
    for (const [pid, ms] of last) start.set(pid, ms);
    const postmasterStart = (await processCpu(this.postmaster))!;
    const statementsStart = await this.statements();
    // One sample at a time, so that a late one cannot overwrite a newer reading.
    let sampling = Promise.resolve();
    const timer = setInterval(() => void (sampling = sampling.then(sample)), 200);

    return async () => {
      clearInterval(timer);
      await (sampling = sampling.then(sample));
      const postmasterEnd = (await processCpu(this.postmaster))!;
      const cpuMs = Object.fromEntries(PG_KINDS.map((kind) => [kind, 0])) as Record<PgKind, number>;
      const alive = new Set(await childPids(this.postmaster));
      // Children that exited are in the postmaster's reaped time, with what they had spent
      // before the window: that part comes off.
      let total =
        postmasterEnd.own + postmasterEnd.reaped - postmasterStart.own - postmasterStart.reaped;
      for (const [pid, ms] of last) {
        const spent = ms - (start.get(pid) ?? 0);
        cpuMs[kinds.get(pid)!] += spent;
        if (alive.has(pid)) total += spent;
        else total -= start.get(pid) ?? 0;
      }
      const seen = PG_KINDS.reduce((sum, kind) => sum + cpuMs[kind], 0);
      cpuMs.other += total - seen;
      const statements = statementDelta(statementsStart, await this.statements());
      return {
        cpuMs,
        statements: statements.slice(0, 8),
        calls: this.statementsKept ? statements.reduce((sum, s) => sum + s.calls, 0) : undefined,
      };
    };
  }

  private async statements(): Promise<Statements> {
    if (!this.statementsKept) return new Map();
    const { rows } = await this.client.query<{ query: string; calls: string; ms: number }>(
      `SELECT query, sum(calls)::text AS calls, sum(total_exec_time) AS ms FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND query NOT LIKE '%pg_stat_%' GROUP BY query`,
    );
    return new Map(rows.map((row) => [row.query, { calls: Number(row.calls), ms: row.ms }]));
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

function statementDelta(before: Statements, after: Statements): StatementCost[] {
  return [...after]
    .map(([query, { calls, ms }]) => ({
      query: query.replace(/\s+/g, ' '),
      calls: calls - (before.get(query)?.calls ?? 0),
      ms: ms - (before.get(query)?.ms ?? 0),
    }))
    .filter((statement) => statement.calls > 0)
    .sort((a, b) => b.ms - a.ms);
}
