import { Client } from 'pg';
import { useDatabase } from './support/notifier-fixture';
import { uniqueUser } from './support/users';
import { waitForAsync } from './support/wait-for';

/** The query pool's connections: the listener and the leader lock name themselves otherwise. */
async function poolConnections(observer: Client): Promise<number> {
  const { rows } = await observer.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'notifier'`,
  );
  return rows[0].n;
}

describe('DATABASE_POOL_SIZE', () => {
  const { database, startNotifier } = useDatabase();

  it('caps the connections an instance opens for queries, however many requests wait', async () => {
    const notifier = await startNotifier({ DATABASE_POOL_SIZE: '3' });
    const [observer, locker] = [database.url, database.url].map(
      (connectionString) => new Client({ connectionString }),
    );
    await Promise.all([observer.connect(), locker.connect()]);
    try {
      // Every inbox read now waits, holding its pool connection: the pool grows to its cap.
      await locker.query('BEGIN; LOCK TABLE notifications IN ACCESS EXCLUSIVE MODE');
      const reads = Array.from({ length: 12 }, () =>
        notifier.http('GET', '/users/me/notifications', { as: uniqueUser() }),
      );
      await waitForAsync(async () => (await poolConnections(observer)) >= 3, 'a full pool');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await poolConnections(observer)).toBe(3);
      await locker.query('ROLLBACK');
      expect((await Promise.all(reads)).map((answer) => answer.status)).toEqual(
        Array(12).fill(200),
      );
    } finally {
      await Promise.all([observer.end(), locker.end()]);
    }
  });
});
