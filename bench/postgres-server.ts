import { startEmbeddedPostgres } from '../libs/embedded-postgres/src';
import { query } from './postgres';

export type WalLevel = 'logical' | 'replica';

export interface BenchPostgres {
  /** URL of the bench's database. */
  url: string;
  version: string;
  stop(): Promise<void>;
}

/**
 * An embedded PostgreSQL of its own for one configuration, at the given wal_level (`replica`
 * is the server's default), with pg_stat_statements loaded to split its work by statement.
 */
export async function startBenchPostgres(
  dir: string,
  port: number,
  walLevel: WalLevel,
): Promise<BenchPostgres> {
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
