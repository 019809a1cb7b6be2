import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../libs/embedded-postgres/src';
import { median, writeResultsSection } from './report/standalone';
import { startInProcess } from './systems/in-process-notifier';
import { freePort } from './systems/processes';

const run = promisify(execFile);
/** `stopped`: the control, no service at all (the outbox fills up; nothing drains it). */
const ALL_MODES = ['wal', 'notify', 'poll', 'stopped'] as const;
const MODES = ALL_MODES.filter((mode) =>
  (process.env.BENCH_MODES ?? mode).split(',').includes(mode),
);
const PRODUCERS = (process.env.BENCH_PRODUCERS ?? '8,32,64').split(',').map(Number);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PLAIN_TABLE = 'bench_plain_outbox';
const BENCH = resolve(__dirname);

interface Figure {
  mode: (typeof ALL_MODES)[number];
  producers: number;
  /** Median commits/s over the repeats. */
  outboxTps: number;
  plainTps: number;
  ratio: number;
  outboxRuns: number[];
  plainRuns: number[];
}

/**
 * What being watched costs a producer: N concurrent producers (pgbench, one single-row INSERT
 * per transaction) commit into notification_outbox, then into a plain table with the same
 * columns and checks, while the service runs in each OUTBOX_WAKE mode. The ratio outbox/plain
 * is the figure: 1.0 means producers pay nothing for us.
 * Run: node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/producer-commit.ts
 * (BENCH_SECONDS, BENCH_REPEATS change the run length, BENCH_MODES=wal,poll and
 * BENCH_PRODUCERS=32 what runs; pgbench must be installed.)
 */
async function main(): Promise<void> {
  await run('pgbench', ['--version']).catch(() => {
    throw new Error('pgbench not found: install it (Debian: apt-get install postgresql-client)');
  });
  const dir = mkdtempSync(join(tmpdir(), 'notifier-producer-commit-'));
  chmodSync(dir, 0o755);
  const database = await startEmbeddedPostgres({
    dir,
    port: await freePort(),
    database: 'producers',
  });
  const scripts = await writeScripts(dir);
  const figures: Figure[] = [];
  try {
    for (const mode of MODES) {
      const service =
        mode === 'stopped'
          ? undefined
          : await startInProcess(database.url, { OUTBOX_WAKE: mode, LOG_LEVEL: 'warn' });
      try {
        await createPlainTable(database.url);
        for (const producers of PRODUCERS) {
          const outboxRuns: number[] = [];
          const plainRuns: number[] = [];
          // Interleaved, so that drift of the machine's load affects both alike.
          for (let repeat = 0; repeat < REPEATS; repeat++) {
            outboxRuns.push(await pgbench(database.url, scripts.outbox, producers));
            plainRuns.push(await pgbench(database.url, scripts.plain, producers));
          }
          const figure = {
            mode,
            producers,
            outboxTps: median(outboxRuns),
            plainTps: median(plainRuns),
            ratio: median(outboxRuns) / median(plainRuns),
            outboxRuns,
            plainRuns,
          };
          figures.push(figure);
          process.stdout.write(
            `${mode.padEnd(6)} ${String(producers).padStart(2)} producers: outbox ${figure.outboxTps.toFixed(0)} commits/s, plain ${figure.plainTps.toFixed(0)} commits/s, ratio ${figure.ratio.toFixed(2)}\n`,
          );
        }
      } finally {
        await service?.app.close();
      }
    }
    await report(figures, await serverVersion(database.url));
  } finally {
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function writeScripts(dir: string): Promise<{ outbox: string; plain: string }> {
  const insert = (table: string) =>
    `INSERT INTO ${table} (user_id, type, payload) VALUES ('producer-' || :client_id, 'bench', '{"n": 1}');\n`;
  const outbox = join(dir, 'outbox.sql');
  const plain = join(dir, 'plain.sql');
  await writeFile(outbox, insert('notification_outbox'));
  await writeFile(plain, insert(PLAIN_TABLE));
  return { outbox, plain };
}

/** The outbox's columns, defaults and CHECKs, with a sequence of its own and no trigger. */
async function createPlainTable(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS ${PLAIN_TABLE}`);
    await client.query(
      `CREATE TABLE ${PLAIN_TABLE} (LIKE notification_outbox INCLUDING CONSTRAINTS INCLUDING INDEXES)`,
    );
    await client.query(`CREATE SEQUENCE ${PLAIN_TABLE}_id_seq OWNED BY ${PLAIN_TABLE}.id`);
    await client.query(
      `ALTER TABLE ${PLAIN_TABLE}
         ALTER id SET DEFAULT nextval('${PLAIN_TABLE}_id_seq'),
         ALTER type SET DEFAULT 'message', ALTER payload SET DEFAULT '{}',
         ALTER created_at SET DEFAULT now()`,
    );
  } finally {
    await client.end();
  }
}

async function pgbench(url: string, script: string, clients: number): Promise<number> {
  const { stdout } = await run('pgbench', [
    ...['-n', '-M', 'prepared', '-c', String(clients), '-j', '2'],
    ...['-T', String(SECONDS), '-f', script, url],
  ]);
  const tps = /tps = ([\d.]+)/.exec(stdout)?.[1];
  if (!tps) throw new Error(`pgbench printed no tps: ${stdout}`);
  return Number(tps);
}

async function serverVersion(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>(
      "SELECT current_setting('server_version') AS version",
    );
    return rows[0].version;
  } finally {
    await client.end();
  }
}

async function report(figures: Figure[], postgres: string): Promise<void> {
  const at = new Date().toISOString();
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, load average ${loadavg()[0].toFixed(2)} at the end`;
  await writeFile(
    resolve(BENCH, 'results/local/producer-commit.json'),
    `${JSON.stringify({ at, machine, postgres, seconds: SECONDS, repeats: REPEATS, figures }, null, 2)}\n`,
  );
  const rows = figures.map(
    (f) =>
      `| ${f.mode} | ${f.producers} | ${f.outboxTps.toFixed(0)} | ${f.plainTps.toFixed(0)} | ${f.ratio.toFixed(2)}× |`,
  );
  await writeResultsSection('producer-commit', [
    '## Producer commits: what being watched costs',
    '',
    `Run ${at} with \`node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/producer-commit.ts\`:`,
    `pgbench, one single-row INSERT per transaction, ${SECONDS} s per run, median of ${REPEATS}, the service running`,
    `in each OUTBOX_WAKE mode; embedded PostgreSQL ${postgres} (wal_level=logical); ${machine}.`,
    '',
    'The `stopped` rows are the control: no service, so the outbox has no trigger and nothing drains it.',
    '',
    '| OUTBOX_WAKE | producers | outbox commits/s | plain table commits/s | outbox / plain |',
    '| ----------- | --------- | ---------------- | --------------------- | -------------- |',
    ...rows,
  ]);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
