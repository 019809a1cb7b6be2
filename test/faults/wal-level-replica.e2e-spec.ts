import { freePort } from '../support/free-port';
import { useDatabase } from '../support/notifier-fixture';
import { NotifierProcess } from '../support/notifier-process';
import { SseRecording } from '../support/sse-client';
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET, tokenFor } from '../support/tokens';
import { uniqueUser } from '../support/users';

/** A server whose WAL cannot be decoded: a PostgreSQL of this test's own, at wal_level=replica. */
describe('on a database with wal_level=replica', () => {
  const { database, producer, startService } = useDatabase({
    ownServer: ['-c', 'wal_level=replica'],
  });

  it('without OUTBOX_WAKE it falls back to adaptive polling, with no trigger in producers’ transactions, says what to change, and delivers', async () => {
    const instance = await startService();
    try {
      // Start-up logs are flushed once the service listens, not always before the banner.
      await instance.process.waitForOutput(/Outbox wake-up: poll/);
      const log = instance.process.stdout;
      expect(log).toContain('OUTBOX_WAKE=wal cannot work: wal_level is replica, not logical');
      expect(log).toContain('Falling back to OUTBOX_WAKE=poll');
      const { rows } = await producer.pool.query(
        `SELECT 1 FROM pg_trigger WHERE tgrelid = 'notification_outbox'::regclass AND NOT tgisinternal`,
      );
      expect(rows).toHaveLength(0);

      const user = uniqueUser('replica');
      const stream = await SseRecording.open(`${instance.baseUrl}/users/me/events`, {
        Authorization: `Bearer ${tokenFor(user)}`,
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
      DATABASE_URL: database.url,
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
