import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../libs/config/src';
import { dataSourceOptions } from '../libs/persistence/src';
import { PushDeliveryRepository } from '../libs/persistence/src/repositories/push-delivery.repository';
import { createNotifierApp } from '../apps/notifier/src/notifier-app';
import { MIGRATIONS } from '../migrations';
import { PG_KINDS, PostgresMeter, query } from './postgres';
import { startBenchPostgres } from './postgres-server';
import { freePort, processCpu } from './systems/processes';

const RATE = Number(process.env.PUSH_COST_RATE ?? 100);
const SECONDS = Number(process.env.PUSH_COST_SECONDS ?? 30);
const WARM_UP_SECONDS = 5;
const USERS = 1000;
/** The claim alone: a log this long, its last 10 s (1,000 rows) not due yet, nobody subscribed. */
const LOG_ROWS = 100_000;
const CLAIMS = 200;
const SECRETS = { JWT_SECRET: 'x'.repeat(32), ADMIN_TOKEN: 'y'.repeat(32), LOG_LEVEL: 'error' };

interface Scenario {
  name: string;
  env: Record<string, string>;
  /** Subscriptions of users who are sent nothing during the run. */
  idleSubscriptions: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'Web Push off', env: { NODE_ENV: 'production', ...SECRETS }, idleSubscriptions: 0 },
  { name: 'Web Push on, no subscription', env: SECRETS, idleSubscriptions: 0 },
  { name: 'Web Push on, 100 subscribed users sent nothing', env: SECRETS, idleSubscriptions: 100 },
];

/**
 * What the push worker costs Postgres while it has nothing to push. First the claim alone: its
 * time and its backend's CPU with LOG_ROWS log rows and no subscription. Then the service in
 * this process on a private PostgreSQL (pg_stat_statements loaded), producers committing RATE
 * single-row transactions a second to USERS users, with Web Push off, on without any
 * subscription, and on with subscriptions of other users: the CPU of the Postgres processes
 * that serve the service (/proc, producers' backends apart), and the push worker's statements.
 * Run: node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/push-worker-cost.ts
 * (PUSH_COST_RATE, PUSH_COST_SECONDS)
 */
async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-push-cost-'));
  const server = await startBenchPostgres(dir, await freePort(), 'logical');
  try {
    const claim = await claimCost(await database(server.url, 'push_claim_cost'));
    console.log(
      `One claim, ${LOG_ROWS} log rows, no subscription: ${claim.ms.toFixed(2)} ms, ` +
        `${claim.cpuMs.toFixed(2)} ms of its backend's CPU (mean of ${CLAIMS})`,
    );
    console.log(`${RATE} notifications/s, one per transaction, for ${SECONDS} s`);
    console.log(
      'scenario | Postgres CPU for the service (% of a core) | push statements: calls/s | ms/s',
    );
    for (const [index, scenario] of SCENARIOS.entries()) {
      const figures = await measure(await database(server.url, `push_cost_${index}`), scenario);
      console.log(
        `${scenario.name} | ${figures.cpuPercent.toFixed(1)} | ${figures.pushCalls.toFixed(1)} | ${figures.pushMs.toFixed(2)}`,
      );
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh database on the bench server, with pg_stat_statements' view. */
async function database(serverUrl: string, name: string): Promise<string> {
  await query(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await query(url.toString(), 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return url.toString();
}

/** Mean time and backend CPU of one claim, on a pool of one connection. */
async function claimCost(url: string): Promise<{ ms: number; cpuMs: number }> {
  const options = dataSourceOptions(url, MIGRATIONS);
  const extra = { ...(options.extra as Record<string, unknown>), max: 1 };
  const db = await new DataSource({ ...options, extra }).initialize();
  try {
    await db.runMigrations({ transaction: 'each' });
    await db.query(
      `INSERT INTO notification_outbox (user_id, payload)
       SELECT 'user-' || n % ${USERS}, jsonb_build_object('n', n) FROM generate_series(1, ${LOG_ROWS}) AS n`,
    );
    await db.query(`SELECT 1 FROM notifier_drain_outbox(${LOG_ROWS})`);
    // One row every 10 ms up to now: the last 1,000 are not due yet with PUSH_DELAY_MS=10000.
    await db.query(
      `UPDATE notifications SET stored_at = now() - (${LOG_ROWS} - id) * interval '10 ms'`,
    );
    await db.query(`UPDATE push_scan SET scanned_up_to = ${LOG_ROWS - 1000}`);
    await db.query('VACUUM ANALYZE notifications');
    const [{ pid }] = await db.query<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
    const deliveries = new PushDeliveryRepository(db);
    const settings = { delayMs: 10_000, maxAgeMs: 3_600_000, leaseMs: 300_000, limit: 200 };
    await deliveries.claimDue(settings);
    const cpuBefore = (await processCpu(pid))!.own;
    const start = process.hrtime.bigint();
    for (let n = 0; n < CLAIMS; n++) await deliveries.claimDue(settings);
    const ms = Number(process.hrtime.bigint() - start) / 1e6 / CLAIMS;
    return { ms, cpuMs: ((await processCpu(pid))!.own - cpuBefore) / CLAIMS };
  } finally {
    await db.destroy();
  }
}

async function measure(
  url: string,
  scenario: Scenario,
): Promise<{ cpuPercent: number; pushCalls: number; pushMs: number }> {
  const app = await createNotifierApp(loadConfig(scenario.env), url);
  await app.init();
  const producers = new Pool({ connectionString: url, max: 4, application_name: 'bench-producer' });
  const meter = await PostgresMeter.connect(url);
  try {
    await subscribeIdleUsers(producers, scenario.idleSubscriptions);
    await produce(producers, WARM_UP_SECONDS);
    const push = await pushStatements(producers);
    const end = await meter.begin();
    await produce(producers, SECONDS);
    const { cpuMs } = await end();
    const pushAfter = await pushStatements(producers);
    const serviceMs = PG_KINDS.filter((kind) => kind !== 'producers').reduce(
      (sum, kind) => sum + cpuMs[kind],
      0,
    );
    return {
      cpuPercent: serviceMs / SECONDS / 10,
      pushCalls: (pushAfter.calls - push.calls) / SECONDS,
      pushMs: (pushAfter.ms - push.ms) / SECONDS,
    };
  } finally {
    await meter.close();
    await producers.end();
    await app.close();
  }
}

/** The push worker's statements so far: its tables, and the claim lock. */
async function pushStatements(pool: Pool): Promise<{ calls: number; ms: number }> {
  const { rows } = await pool.query<{ calls: string; ms: number }>(
    `SELECT coalesce(sum(calls), 0)::text AS calls, coalesce(sum(total_exec_time), 0) AS ms
     FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND query ~ 'push_deliveries|push_scan|push_subscriptions|pg_advisory_xact_lock\\(\\$1, \\$2\\)'`,
  );
  return { calls: Number(rows[0].calls), ms: rows[0].ms };
}

async function subscribeIdleUsers(pool: Pool, count: number): Promise<void> {
  if (count === 0) return;
  await pool.query(
    `INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth)
     SELECT 'https://push.example.com/' || n, 'idle-' || n, $1, $2 FROM generate_series(1, $3::int) AS n`,
    [`B${'A'.repeat(86)}`, 'A'.repeat(22), count],
  );
}

/** RATE single-row INSERTs a second, each its own transaction, for `seconds`. */
async function produce(pool: Pool, seconds: number): Promise<void> {
  const start = Date.now();
  const inFlight: Promise<unknown>[] = [];
  for (let n = 0; n < RATE * seconds; n++) {
    const due = start + (n * 1000) / RATE;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    inFlight.push(
      pool.query(`INSERT INTO notification_outbox (user_id, payload) VALUES ($1, $2)`, [
        `user-${n % USERS}`,
        { text: `notification ${n}` },
      ]),
    );
  }
  await Promise.all(inFlight);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
