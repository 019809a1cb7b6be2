import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../libs/embedded-postgres/src';
import { startNotifier } from '../test/support/notifier-harness';
import { freePort } from '../test/support/notifier-process';
import { SseRecording } from '../test/support/sse-client';

const SAMPLES = 200;

/**
 * The floor under every other figure: one producer commits one notification at a time, and
 * the time from COMMIT returning to its frame reaching one connected client is recorded.
 * Run: node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/commit-to-client.ts
 */
async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-commit-to-client-'));
  chmodSync(dir, 0o755);
  const database = await startEmbeddedPostgres({
    dir,
    port: await freePort(),
    database: 'latency',
  });
  const notifier = await startNotifier(database.url);
  const stream = await SseRecording.open(`${notifier.baseUrl}/users/me/events`, {
    Authorization: `Bearer ${notifier.tokenFor('latency')}`,
  });
  const producer = new Client({ connectionString: database.url });
  await producer.connect();
  try {
    const samples: number[] = [];
    for (let n = 0; n < SAMPLES; n++) samples.push(await oneNotification(producer, stream, n));
    process.stdout.write(`${summary(samples)}\n`);
  } finally {
    stream.close();
    await producer.end();
    await notifier.close();
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function oneNotification(producer: Client, stream: SseRecording, n: number): Promise<number> {
  const received = stream.messages.length;
  await producer.query('BEGIN');
  await producer.query(
    `INSERT INTO notification_outbox (user_id, payload) VALUES ('latency', $1)`,
    [JSON.stringify({ n })],
  );
  await producer.query('COMMIT');
  const committed = process.hrtime.bigint();
  while (stream.messages.length === received) await new Promise((resolve) => setImmediate(resolve));
  const elapsed = Number(process.hrtime.bigint() - committed) / 1e6;
  await new Promise((resolve) => setTimeout(resolve, 5));
  return elapsed;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.floor(quantile * (sorted.length - 1))].toFixed(2);
  return `commit → client, ${sorted.length} notifications: median ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
