import { Client } from 'pg';
import { lockKeys } from '@app/postgres-objects';
import type { RunningNotifier } from './support/notifier-harness';
import { useNotifier } from './support/notifier-fixture';
import { uniqueUser } from './support/users';
import { sleep, waitForAsync } from './support/wait-for';
import { sample } from './support/metrics';

async function outboxGauges(instance: RunningNotifier) {
  const exposition = (await instance.http<string>('GET', '/metrics')).body;
  return {
    backlog: sample(exposition, 'notifier_outbox_backlog'),
    oldestAgeSeconds: sample(exposition, 'notifier_outbox_oldest_age_seconds'),
  };
}

describe('/metrics shows a drain that stalls, even while nothing is appended', () => {
  const { notifier, producer, database, startNotifier } = useNotifier();

  it('reports an empty outbox as a backlog of 0 and an oldest age of 0', async () => {
    await waitForAsync(
      async () => (await outboxGauges(notifier)).backlog === 0,
      'the outbox to be drained',
    );
    expect(await outboxGauges(notifier)).toEqual({ backlog: 0, oldestAgeSeconds: 0 });
  });

  it('shows the waiting rows and their age growing on every instance while the drain waits on its lock, then 0 once it drains', async () => {
    const follower = await startNotifier();
    const lockHolder = new Client({ connectionString: database.url });
    await lockHolder.connect();
    try {
      // The drain's own lock, held elsewhere: the leader keeps its lead but its drain waits.
      await lockHolder.query('SELECT pg_advisory_lock($1, $2)', [...lockKeys('drain')]);
      const user = uniqueUser();
      for (let i = 0; i < 3; i++) await producer.notify(user, { i });

      const early = await outboxGauges(notifier);
      await sleep(1_500);
      const later = await outboxGauges(notifier);
      expect(early.backlog).toBe(3);
      expect(later.backlog).toBe(3);
      expect(later.oldestAgeSeconds).toBeGreaterThanOrEqual((early.oldestAgeSeconds ?? 0) + 1);
      expect((await outboxGauges(follower)).backlog).toBe(3);
      expect((await outboxGauges(follower)).oldestAgeSeconds).toBeGreaterThanOrEqual(1.5);
    } finally {
      await lockHolder.end();
    }
    await waitForAsync(
      async () => (await outboxGauges(notifier)).backlog === 0,
      'the drain to go on once its lock is free',
    );
    expect(await outboxGauges(notifier)).toEqual({ backlog: 0, oldestAgeSeconds: 0 });
  });
});
