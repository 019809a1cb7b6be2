import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer, TEST_ADMIN_TOKEN, TEST_JWT_SECRET } from '../support/notifier-harness';
import { freePort, NotifierProcess } from '../support/notifier-process';
import { PostgresProcess } from '../support/postgres-process';
import { processTokenFor, ServiceInstance } from '../support/service-process';
import { SseRecording } from '../support/sse-client';
import { uniqueUser } from '../support/users';

/** Process start-ups are slow on a busy 2-core CI machine. */
jest.setTimeout(90_000);

/** A server whose WAL cannot be decoded: a PostgreSQL of this test's own, at wal_level=replica. */
describe('on a database with wal_level=replica', () => {
  let dir: string;
  let postgres: PostgresProcess;
  let databaseUrl: string;
  let producer: Producer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'notifier-replica-'));
    // The embedded server runs as the OS user "postgres" when we are root.
    await chmod(dir, 0o755);
    const started = await PostgresProcess.start(dir, await freePort(), ['-c', 'wal_level=replica']);
    postgres = started.server;
    databaseUrl = started.url;
    producer = new Producer(databaseUrl);
  }, 60_000);

  afterAll(async () => {
    await producer?.close();
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('without OUTBOX_WAKE it falls back to the NOTIFY trigger, warns of the cost and of what to change, and delivers', async () => {
    const instance = await ServiceInstance.start(databaseUrl, await freePort());
    try {
      // Start-up logs are flushed once the service listens, not always before the banner.
      await instance.process.waitForOutput(/Outbox wake-up: notify/);
      const log = instance.process.stdout;
      expect(log).toContain('OUTBOX_WAKE=wal cannot work: wal_level is replica, not logical');
      expect(log).toContain('Falling back to OUTBOX_WAKE=notify');
      expect(log).toContain('serializes those commits database-wide');
      expect(log).toContain('Outbox wake-up: notify');
      const { rows } = await producer.pool.query(
        `SELECT 1 FROM pg_trigger WHERE tgrelid = 'notification_outbox'::regclass AND NOT tgisinternal`,
      );
      expect(rows).toHaveLength(1);

      const user = uniqueUser('replica');
      const stream = await SseRecording.open(`${instance.baseUrl}/users/me/events`, {
        Authorization: `Bearer ${processTokenFor(user)}`,
      });
      try {
        await producer.notify(user, { fallback: true });
        const [message] = await stream.waitForMessages(1);
        expect(JSON.parse(message.data)).toMatchObject({ payload: { fallback: true } });
      } finally {
        stream.close();
      }
    } finally {
      await instance.process.stop();
    }
  });

  it('with OUTBOX_WAKE=wal set explicitly it refuses to start, saying why and what to change', async () => {
    const child = NotifierProcess.start({
      DATABASE_URL: databaseUrl,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      OUTBOX_WAKE: 'wal',
    });
    expect(await child.exit()).toBe(1);
    expect(child.stderr).toContain(
      'OUTBOX_WAKE=wal cannot work: wal_level is replica, not logical',
    );
    expect(child.stderr).toContain('set wal_level=logical');
    expect(child.stdout).not.toContain('Notifier is listening on');
  });
});
