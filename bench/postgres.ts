import { Client } from 'pg';
import { startEmbeddedPostgres } from '../libs/embedded-postgres/src';

/** Normalized statement text → its calls and execution time so far. */
export type StatementStats = Record<string, { calls: number; ms: number }>;

export interface BenchPostgres {
  /** URL of a database on the bench server, created if missing. */
  database(name: string): Promise<string>;
  /** Calls and execution time so far of every statement run in a database, per pg_stat_statements. */
  statements(name: string): Promise<StatementStats>;
  stop(): Promise<void>;
}

/**
 * The embedded PostgreSQL with pg_stat_statements loaded: initialised once, told to preload
 * the library (ALTER SYSTEM survives in postgresql.auto.conf), then restarted.
 */
export async function startBenchPostgres(dir: string, port: number): Promise<BenchPostgres> {
  const first = await startEmbeddedPostgres({ dir, port, database: 'postgres' });
  await query(first.url, `ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
  // Thousands of SSE clients never touch Postgres, but producers and pools together may.
  await query(first.url, `ALTER SYSTEM SET max_connections = 200`);
  await first.stop();
  const server = await startEmbeddedPostgres({ dir, port, database: 'postgres' });
  const urlOf = (name: string) => server.url.replace(/\/postgres$/, `/${name}`);

  return {
    async database(name) {
      const exists = await query(server.url, 'SELECT 1 FROM pg_database WHERE datname = $1', [
        name,
      ]);
      if (exists.length === 0) await query(server.url, `CREATE DATABASE ${name}`);
      await query(urlOf(name), 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      return urlOf(name);
    },
    async statements(name) {
      const rows = await query(
        server.url,
        `SELECT query, sum(calls)::bigint::text AS calls, sum(total_exec_time)::text AS ms
         FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) GROUP BY query`,
        [name],
      );
      return Object.fromEntries(
        rows.map((row) => [row.query, { calls: Number(row.calls), ms: Number(row.ms) }]),
      );
    },
    stop: () => server.stop(),
  };
}

export async function query(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<Record<string, string>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, string>>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
