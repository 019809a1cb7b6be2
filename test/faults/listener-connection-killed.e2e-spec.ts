import { ChangeFeed } from '@app/change-feed';
import { healthStatus, terminateBackends, waitForHealth } from '../support/database-faults';
import { deliveryOfLog, exactly, waitForDrainedOutbox } from '../support/delivery';
import { useNotifier } from '../support/notifier-fixture';
import { ResumingTab, tabOn } from '../support/resuming-tab';
import { uniqueUser } from '../support/users';
import { sleep, waitFor } from '../support/wait-for';

const LISTENER = 'notifier-listener';

describe('when the listener connection is killed', () => {
  const { notifier, producer, database } = useNotifier();
  const tabs: ResumingTab[] = [];

  it('reports 503 while it is down, reconnects, and every notification reaches the open tabs', async () => {
    const users = [uniqueUser('a'), uniqueUser('b'), uniqueUser('c')];
    for (const user of users) tabs.push(tabOn(notifier, user), tabOn(notifier, user));
    await waitFor(() => tabs.every((tab) => tab.connected), 'every tab to connect');
    expect(await healthStatus(notifier.baseUrl)).toBe(200);

    const produce = async (round: number) => {
      for (const user of users) await producer.notify(user, { round });
    };
    for (let round = 0; round < 10; round++) await produce(round);

    // Keep the listener down for a while: each reconnect is killed again at once.
    const outageEnds = Date.now() + 1_500;
    const statuses = new Set<number>();
    let killed = 0;
    let round = 10;
    while (Date.now() < outageEnds) {
      killed += await terminateBackends(database.url, LISTENER);
      statuses.add(await healthStatus(notifier.baseUrl));
      await produce(round++);
      await sleep(20);
    }
    expect(killed).toBeGreaterThan(0);
    expect(statuses).toContain(503);

    await waitForHealth(notifier.baseUrl, 200);
    expect(notifier.app.get(ChangeFeed).isConnected).toBe(true);
    for (let extra = 0; extra < 10; extra++) await produce(round++);

    await waitForDrainedOutbox(producer.pool);
    for (const [index, tab] of tabs.entries()) {
      const { expected, check } = await deliveryOfLog(producer, users[Math.floor(index / 2)], tab);
      expect(expected).toHaveLength(round);
      expect(check).toEqual(exactly(round));
      expect(tab.connections).toBe(1);
    }
  });
});
