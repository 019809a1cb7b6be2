import { terminateBackends } from '../support/database-faults';
import { checkDelivery, exactly, waitForDrainedOutbox } from '../support/delivery';
import type { RunningNotifier } from '../support/notifier-harness';
import { useNotifier } from '../support/notifier-fixture';
import { ResumingTab } from '../support/resuming-tab';
import { uniqueUser } from '../support/users';
import { sleep, waitFor } from '../support/wait-for';

/** Reduced for CI; the shape (many users, many tabs, faults mid-flight) is what matters. */
const USERS = 100;
const TABS_PER_USER = 3;
const NOTIFICATIONS = 6_000;
const ROWS_PER_INSERT = 25;
const DISCONNECT_EVERY_MS = 20;

describe('soak: many users and tabs, random disconnects and a listener kill', () => {
  const { notifier, producer, database, startNotifier } = useNotifier();
  let instances: RunningNotifier[];
  const tabs: { user: string; tab: ResumingTab }[] = [];

  beforeAll(async () => {
    instances = [notifier, await startNotifier()];
  });

  /** Any instance for each (re)connect, as behind a load balancer without sticky sessions. */
  const tabOfUser = (user: string) =>
    new ResumingTab((lastId) => {
      const instance = instances[Math.floor(Math.random() * instances.length)];
      return instance.stream(user, {
        headers: lastId === undefined ? {} : { 'Last-Event-ID': lastId },
      });
    }, '0');

  const produce = async (users: string[], count: number) => {
    for (let sent = 0; sent < count; sent += ROWS_PER_INSERT) {
      const batch = Array.from(
        { length: ROWS_PER_INSERT },
        () => users[Math.floor(Math.random() * users.length)],
      );
      await producer.pool.query(
        `INSERT INTO notification_outbox (user_id, payload)
         SELECT user_id, jsonb_build_object('n', n) FROM unnest($1::text[]) WITH ORDINALITY AS t(user_id, n)`,
        [batch],
      );
    }
  };

  it('each tab ends up with exactly its user’s ids from the database, in order, without duplicates', async () => {
    const users = Array.from({ length: USERS }, (_, n) => uniqueUser(`soak${n}`));
    for (const user of users) {
      for (let n = 0; n < TABS_PER_USER; n++) tabs.push({ user, tab: tabOfUser(user) });
    }
    await waitFor(() => tabs.every(({ tab }) => tab.connected), 'every tab to connect', 20_000);

    const disconnects = setInterval(() => {
      tabs[Math.floor(Math.random() * tabs.length)].tab.drop();
    }, DISCONNECT_EVERY_MS);
    let listenersKilled: number;
    try {
      await produce(users, NOTIFICATIONS / 2);
      // Mid-flight: rows are still being ingested and delivered when the listeners die.
      listenersKilled = await terminateBackends(database.url, 'notifier-listener');
      await produce(users, NOTIFICATIONS / 2);
    } finally {
      clearInterval(disconnects);
    }
    expect(listenersKilled).toBe(instances.length);

    await waitForDrainedOutbox(producer.pool);
    const expectedByUser = new Map<string, string[]>();
    for (const user of users) expectedByUser.set(user, await producer.logIds(user));
    const total = [...expectedByUser.values()].reduce((sum, ids) => sum + ids.length, 0);
    expect(total).toBe(NOTIFICATIONS);

    for (const { user, tab } of tabs) {
      await tab.waitForIds(expectedByUser.get(user)!.length, 20_000);
    }
    await sleep(200);
    const reconnects = tabs.reduce((sum, { tab }) => sum + tab.connections - 1, 0);
    expect(reconnects).toBeGreaterThan(10);
    for (const { user, tab } of tabs) {
      const expected = expectedByUser.get(user)!;
      expect(checkDelivery(tab.ids, expected)).toEqual(exactly(expected.length));
    }
  });
});
