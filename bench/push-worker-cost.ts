import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../libs/persistence/src';
import { PushDeliveryRepository } from '../libs/persistence/src/repositories/push-delivery.repository';
import { query, startBenchPostgres } from './postgres';
import { startInProcess } from './systems/in-process-notifier';
import { freePort } from './systems/processes';

const RATE = Number(process.env.PUSH_COST_RATE ?? 100);
const SECONDS = Number(process.env.PUSH_COST_SECONDS ?? 30);
const WARM_UP_SECONDS = 5;
const USERS = 1000;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;
/** The static part: a log this long, its last 10 s (1,000 rows) not due yet, nobody subscribed. */
const LOG_ROWS = 100_000;
const CLAIMS = 200;
const SECRETS = { JWT_SECRET: 'x'.repeat(32), ADMIN_TOKEN: 'y'.repeat(32) };

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
 * What the push worker costs Postgres while it has nothing to push: the service in this
 * process on a private PostgreSQL (pg_stat_statements loaded), producers committing RATE
 * single-row transactions a second to USERS users, with Web Push off, on without any
 * subscription, and on with subscriptions of other users. Reported: the CPU of every
 * Postgres process (/proc), and the push worker's statements (pg_stat_statements). First, the
 * claim alone: its time and its backend's CPU with LOG_ROWS log rows and no subscription.
 * Run: node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/push-worker-cost.ts
 * (PUSH_COST_RATE, PUSH_COST_SECONDS)
 */
async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-push-cost-'));
  const server = await startBenchPostgres(dir, await freePort());
  try {
    const claim = await claimCost(await server.database('push_claim_cost'));
    console.log(
      `One claim, ${LOG_ROWS} log rows, no subscription: ${claim.ms.toFixed(2)} ms, ` +
        `${claim.cpuMs.toFixed(2)} ms of its backend's CPU (mean of ${CLAIMS})`,
    );
    console.log(`${RATE} notifications/s, one per transaction, for ${SECONDS} s`);
    console.log(
      'scenario | Postgres CPU (% of a core) | push statements: calls/s | push statements: ms/s',
    );
    for (const [index, scenario] of SCENARIOS.entries()) {
      const url = await server.database(`push_cost_${index}`);
      const figures = await measure(url, scenario);
      console.log(
        `${scenario.name} | ${figures.cpuPercent.toFixed(1)} | ${figures.pushCalls.toFixed(1)} | ${figures.pushMs.toFixed(2)}`,
      );
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mean time and backend CPU of one claim, on a pool of one connection. */
async function claimCost(url: string): Promise<{ ms: number; cpuMs: number }> {
  const options = dataSourceOptions(url);
  const extra = { ...(options.extra as Record<string, unknown>), max: 1 };
  const db = await new DataSource({ ...options, extra }).initialize();
  try {
    await db.runMigrations({ transaction: 'each' });
    await db.query(
      `INSERT INTO notification_outbox (user_id, payload)
       SELECT 'user-' || n % ${USERS}, jsonb_build_object('n', n) FROM generate_series(1, ${LOG_ROWS}) AS n`,
    );
    await db.query(`SELECT * FROM notifier_drain_outbox(${LOG_ROWS})`);
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
    const cpuBefore = treeCpuSeconds(pid);
    const start = process.hrtime.bigint();
    for (let n = 0; n < CLAIMS; n++) await deliveries.claimDue(settings);
    const ms = Number(process.hrtime.bigint() - start) / 1e6 / CLAIMS;
    return { ms, cpuMs: ((treeCpuSeconds(pid) - cpuBefore) * 1000) / CLAIMS };
  } finally {
    await db.destroy();
  }
}

async function measure(
  url: string,
  scenario: Scenario,
): Promise<{ cpuPercent: number; pushCalls: number; pushMs: number }> {
  const service = await startInProcess(url, scenario.env);
  const producers = new Pool({ connectionString: url, max: 4 });
  try {
    await subscribeIdleUsers(url, scenario.idleSubscriptions);
    const postmaster = await postmasterPid(url);
    await produce(producers, WARM_UP_SECONDS);
    await query(url, 'SELECT pg_stat_statements_reset()');
    const cpuBefore = treeCpuSeconds(postmaster);
    await produce(producers, SECONDS);
    const cpu = treeCpuSeconds(postmaster) - cpuBefore;
    const [push] = await query(
      url,
      `SELECT coalesce(sum(calls), 0)::text AS calls, coalesce(sum(total_exec_time), 0)::text AS ms
       FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND query ~ 'push_deliveries|push_scan|push_subscriptions|pg_advisory_xact_lock\\(\\$1, \\$2\\)'`,
    );
    return {
      cpuPercent: (cpu / SECONDS) * 100,
      pushCalls: Number(push.calls) / SECONDS,
      pushMs: Number(push.ms) / SECONDS,
    };
  } finally {
    await producers.end();
    await service.app.close();
  }
}

async function subscribeIdleUsers(url: string, count: number): Promise<void> {
  if (count === 0) return;
  const p256dh = `B${'A'.repeat(86)}`;
  await query(
    url,
    `INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth)
     SELECT 'https://push.example.com/' || n, 'idle-' || n, $1, $2 FROM generate_series(1, $3::int) AS n`,
    [p256dh, 'A'.repeat(22), count],
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

async function postmasterPid(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return Number(readFileSync(`/proc/${rows[0].pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  } finally {
    await client.end();
  }
}

/** CPU seconds of a process and its live descendants (a backend that exits takes its share). */
function treeCpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  const fields = stat.split(') ')[1].split(' ');
  const own = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .split(' ')
    .filter(Boolean)
    .map(Number);
  return children.reduce((sum, child) => sum + treeCpuSeconds(child), own);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
