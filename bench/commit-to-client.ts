import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { Client } from 'pg';
import { DEMO_USER, signDemoToken } from '../apps/notifier/src/web/demo-token';
import { startEmbeddedPostgres } from '../libs/embedded-postgres/src';
import { SseReader } from './load/sse-reader';
import { startInProcess } from './systems/in-process-notifier';
import { freePort } from './systems/processes';

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
  const notifier = await startInProcess(database.url);
  const stream = new ReceivedCount();
  const reader = new SseReader(
    {
      port: notifier.port,
      path: '/users/me/events',
      headerLines: `Authorization: Bearer ${signDemoToken(new JwtService(), notifier.config.jwt)}\r\n`,
    },
    stream,
  );
  await reader.open();
  const producer = new Client({ connectionString: database.url });
  await producer.connect();
  try {
    const samples: number[] = [];
    for (let n = 0; n < SAMPLES; n++) samples.push(await oneNotification(producer, stream, n));
    process.stdout.write(`${summary(samples)}\n`);
  } finally {
    reader.close();
    await producer.end();
    await notifier.app.close();
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The notifications a stream has received so far. */
class ReceivedCount {
  messages = 0;

  onEvent(): void {
    this.messages++;
  }

  onClose(): void {}
}

async function oneNotification(
  producer: Client,
  stream: ReceivedCount,
  n: number,
): Promise<number> {
  const received = stream.messages;
  await producer.query('BEGIN');
  await producer.query(`INSERT INTO notification_outbox (user_id, payload) VALUES ($1, $2)`, [
    DEMO_USER,
    JSON.stringify({ n }),
  ]);
  await producer.query('COMMIT');
  const committed = process.hrtime.bigint();
  while (stream.messages === received) await new Promise((resolve) => setImmediate(resolve));
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
