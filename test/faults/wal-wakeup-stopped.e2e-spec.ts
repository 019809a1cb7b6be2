import { OUTBOX_WAL_APPLICATION, OutboxWalWakeup } from '@app/change-feed';
import { OutboxIngester } from '../../apps/notifier/src/ingest/outbox-ingester';
import { IngestLeadership } from '../../apps/notifier/src/leadership/ingest-leadership';
import { terminateBackends } from '../support/database-faults';
import { useDatabase } from '../support/notifier-fixture';
import { sleep, waitFor, waitForAsync } from '../support/wait-for';

describe('the WAL wake-up', () => {
  const { database, producer, startNotifier } = useDatabase();

  /** This database's replication connections of the wake-up, and its slots. */
  const leftOver = async () => {
    const { rows } = await producer.pool.query<{ sessions: number; slots: number }>(
      `SELECT (SELECT count(*)::int FROM pg_stat_activity
               WHERE datname = current_database() AND application_name = $1) AS sessions,
              (SELECT count(*)::int FROM pg_replication_slots
               WHERE database = current_database()) AS slots`,
      [OUTBOX_WAL_APPLICATION],
    );
    return rows[0];
  };

  const wakeup = (onStreaming: () => void = () => undefined) =>
    new OutboxWalWakeup(database.url, { onCommit: () => undefined, onStreaming });

  it('stopped as soon as it starts, opens no replication connection afterwards', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const stopped = wakeup();
      stopped.start();
      await stopped.stop();
    }
    // Long enough for a connection begun before stop() to have made its slot, which would stay.
    await sleep(1_000);
    await waitForAsync(async () => {
      const { sessions, slots } = await leftOver();
      return sessions === 0 && slots === 0;
    }, 'no replication connection and no slot');
  });

  it('stopped while streaming, leaves neither its connection nor its slot', async () => {
    let streaming = false;
    const running = wakeup(() => (streaming = true));
    running.start();
    try {
      await waitForAsync(() => Promise.resolve(streaming), 'replication to start');
      expect(await leftOver()).toEqual({ sessions: 1, slots: 1 });
    } finally {
      await running.stop();
    }
    await waitForAsync(
      async () => (await leftOver()).sessions === 0,
      'the replication connection to end',
    );
    expect(await leftOver()).toEqual({ sessions: 0, slots: 0 });
  });

  it('is not opened again by an ingester that has shut down, when its instance wins the lead again', async () => {
    const instance = await startNotifier();
    try {
      await waitForAsync(async () => (await leftOver()).slots === 1, 'the leader’s slot');
      // Nest shuts the ingester down before the leadership it depends on.
      await instance.app.get(OutboxIngester).onApplicationShutdown();
      await waitForAsync(async () => (await leftOver()).slots === 0, 'the slot to go');

      const leadership = instance.app.get(IngestLeadership);
      expect(await terminateBackends(database.url, 'notifier-ingest-leader')).toBe(1);
      await waitFor(() => !leadership.isLeader, 'the lead to be lost');
      await waitFor(() => leadership.isLeader, 'the lead to be won again');
      await sleep(1_000);
      expect(await leftOver()).toEqual({ sessions: 0, slots: 0 });
    } finally {
      await instance.close();
    }
  });
});
