import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../libs/persistence/src';
import { MIGRATIONS } from '../migrations';
import { processCpu } from './systems/processes';

const SERVER_URL = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROWS = Number(process.env.DEDUPE_ROWS ?? 100_000);
const BATCH = 1000;
const REPEATS = Number(process.env.DEDUPE_REPEATS ?? 3);

/** What the outbox rows carry: no key, a key of their own, or one key in ten already used. */
const SCENARIOS = {
  'no keys': 'NULL',
  'a key each': `'order-' || n || '-paid'`,
  'a key each, 10 % repeats': `'order-' || (CASE WHEN n % 10 = 0 THEN n - 1 ELSE n END) || '-paid'`,
} as const;

/**
 * What the drain costs per notification, before dedupe keys existed and with them, with and
 * without keys: ROWS outbox rows (1,000 users), drained in batches of 1,000 by one backend,
 * whose CPU time (/proc/<pid>/stat, so on a server on this host) and WAL bytes are measured.
 * Run: node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/dedupe-cost.ts \
 *   [postgres://postgres@127.0.0.1:5432/postgres]   (DEDUPE_ROWS, DEDUPE_REPEATS)
 */
async function main(): Promise<void> {
  const before = await migratedDatabase('dedupe_cost_before', true);
  const after = await migratedDatabase('dedupe_cost_after', false);
  console.log(`${ROWS} rows, batches of ${BATCH}, median of ${REPEATS}`);
  console.log('schema | rows | µs CPU / notification | WAL bytes / notification');
  await report('before', before, 'no keys');
  for (const scenario of Object.keys(SCENARIOS) as (keyof typeof SCENARIOS)[]) {
    await report('after', after, scenario);
  }
}

async function report(schema: string, url: string, scenario: keyof typeof SCENARIOS) {
  const runs: { cpu: number; wal: number }[] = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await drainOnce(url, scenario));
  const cpu = median(runs.map((run) => run.cpu));
  const wal = median(runs.map((run) => run.wal));
  console.log(`${schema} | ${scenario} | ${cpu.toFixed(1)} | ${wal.toFixed(0)}`);
}

async function drainOnce(
  url: string,
  scenario: keyof typeof SCENARIOS,
): Promise<{ cpu: number; wal: number }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('TRUNCATE notifications, notification_outbox CASCADE');
    const keyed = scenario !== 'no keys';
    await client.query(
      `INSERT INTO notification_outbox (user_id, type, payload${keyed ? ', dedupe_key' : ''})
       SELECT 'user-' || n % 1000, 'order.paid', jsonb_build_object('text', 'Order ' || n || ' paid', 'n', n)
         ${keyed ? `, ${SCENARIOS[scenario]}` : ''}
       FROM generate_series(1, ${ROWS}) AS n`,
    );
    await client.query('VACUUM ANALYZE notification_outbox');
    await client.query('CHECKPOINT');
    const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    const walBefore = await walPosition(client);
    const cpuBefore = await cpuMs(pid);
    for (;;) {
      const { rows } = await client.query<{ taken: number }>(
        'SELECT taken FROM notifier_drain_outbox($1) LIMIT 1',
        [BATCH],
      );
      if (rows[0].taken === 0) break;
    }
    const cpu = (await cpuMs(pid)) - cpuBefore;
    const wal = (await walPosition(client)) - walBefore;
    return { cpu: (cpu / ROWS) * 1000, wal: wal / ROWS };
  } finally {
    await client.end();
  }
}

async function walPosition(client: Client): Promise<number> {
  const { rows } = await client.query<{ bytes: string }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS bytes`,
  );
  return Number(rows[0].bytes);
}

async function cpuMs(pid: number): Promise<number> {
  return (await processCpu(pid))!.own;
}

/** A fresh database with every migration, or with those before dedupe keys (`beforeDedupe`). */
async function migratedDatabase(name: string, beforeDedupe: boolean): Promise<string> {
  const admin = new Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const dedupe = MIGRATIONS.findIndex(
    (migration) => migration.name === 'AddDedupeKeys1764800000000',
  );
  const migrations = beforeDedupe ? MIGRATIONS.slice(0, dedupe) : MIGRATIONS;
  const dataSource = await new DataSource(
    dataSourceOptions(url.toString(), migrations),
  ).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
  return url.toString();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
