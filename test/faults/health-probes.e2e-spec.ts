import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readiness } from '../../apps/notifier/src/health/readiness';
import { RunningNotifier, startNotifier } from '../support/notifier-harness';
import { freePort } from '../support/notifier-process';
import { PostgresProcess } from '../support/postgres-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitForAsync } from '../support/wait-for';

/** Process start-ups and recoveries are slow on a busy 2-core CI machine; waits are bounded below. */
jest.setTimeout(90_000);

/**
 * Liveness and readiness answer different questions: a database outage or a drain takes an
 * instance out of the load balancer (ready 503) but must never get it restarted (live 200).
 * Stopping the server would break every other test file sharing it, so this one runs its own.
 */
describe('the health probes', () => {
  let dir: string;
  let port: number;
  let postgres: PostgresProcess | undefined;
  let notifier: RunningNotifier;

  const statusOf = async (path: string) => (await notifier.http('GET', path)).status;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'notifier-probes-'));
    // The embedded server runs as the OS user "postgres" when we are root.
    await chmod(dir, 0o755);
    port = await freePort();
    const started = await PostgresProcess.start(dir, port);
    postgres = started.server;
    notifier = await startNotifier(started.url, { LOG_LEVEL: 'silent' });
  }, 60_000);

  afterAll(async () => {
    await notifier?.close();
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answer 200 on /health, /health/ready and /health/live while all is well', async () => {
    const ready = await notifier.http('GET', '/health/ready');
    expect(ready).toMatchObject({
      status: 200,
      body: { status: 'ok', info: { database: { status: 'up' }, listener: { status: 'up' } } },
    });
    expect(await statusOf('/health')).toBe(200);
    expect(await notifier.http('GET', '/health/live')).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
  });

  it('document /health/ready and /health/live in the OpenAPI document', async () => {
    const document = (await notifier.http('GET', '/docs-json')).body;
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/health', '/health/ready', '/health/live']),
    );
  });

  it('keep /health/live at 200 and answer readiness 503 while the database is stopped, 200 once it is back', async () => {
    await postgres!.stop();
    postgres = undefined;
    await waitForAsync(
      async () => (await statusOf('/health/ready')) === 503,
      '/health/ready to answer 503',
      20_000,
    );
    expect(await statusOf('/health')).toBe(503);
    expect(await notifier.http('GET', '/health/live')).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });

    postgres = (await PostgresProcess.start(dir, port)).server;
    await waitForAsync(
      async () => (await statusOf('/health/ready')) === 200,
      '/health/ready to answer 200 again',
      20_000,
    );
    expect(await statusOf('/health/live')).toBe(200);
  });
});

describe('readiness once the instance is marked draining', () => {
  let database: TestDatabase;
  let notifier: RunningNotifier;

  beforeAll(async () => {
    database = await createTestDatabase();
    notifier = await startNotifier(database.url, { LOG_LEVEL: 'silent' });
  });

  afterAll(async () => {
    await notifier?.close();
    await database.drop();
  });

  it('answers 503 on /health and /health/ready at once, while /health/live stays 200', async () => {
    expect((await notifier.http('GET', '/health/ready')).status).toBe(200);
    notifier.app.get(Readiness).markDraining();
    expect(await notifier.http('GET', '/health/ready')).toMatchObject({
      status: 503,
      body: { statusCode: 503, error: 'Service Unavailable' },
    });
    expect((await notifier.http('GET', '/health')).status).toBe(503);
    expect((await notifier.http('GET', '/health/live')).status).toBe(200);
  });
});
