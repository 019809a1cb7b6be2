import { ContinuousProducer } from '../support/continuous-producer';
import { waitForHealth } from '../support/database-faults';
import { deliveryOfLog, exactly, waitForDrainedOutbox } from '../support/delivery';
import { useNotifier } from '../support/notifier-fixture';
import { ResumingTab, tabOn } from '../support/resuming-tab';
import { uniqueUser } from '../support/users';
import { sleep, waitFor } from '../support/wait-for';

/**
 * Restarting a server would break every other test file sharing it, so this one runs its own
 * PostgreSQL, on its own port and directory.
 */
describe('when PostgreSQL restarts under connected clients and busy producers', () => {
  const { notifier, producer, database, postgres } = useNotifier({
    ownServer: [],
    env: { LOG_LEVEL: 'silent' },
  });
  const tabs: ResumingTab[] = [];
  const users = [uniqueUser('a'), uniqueUser('b'), uniqueUser('c')];

  it('survives without restarting and delivers everything once the database is back', async () => {
    for (const user of users) tabs.push(tabOn(notifier, user), tabOn(notifier, user));
    await waitFor(() => tabs.every((tab) => tab.connected), 'every tab to connect');
    const producers = new ContinuousProducer(database.url, users);

    await sleep(500);
    await postgres.stop();
    await waitForHealth(notifier.baseUrl, 503);
    await sleep(500);
    await postgres.restart();
    await waitForHealth(notifier.baseUrl, 200, 20_000);
    await sleep(500);
    await producers.stop();
    expect(producers.failures).toBeGreaterThan(0);

    await waitForDrainedOutbox(producer.pool);
    for (const [index, tab] of tabs.entries()) {
      const user = users[Math.floor(index / 2)];
      const { expected, check } = await deliveryOfLog(producer, user, tab, 20_000);
      expect(expected.length).toBeGreaterThan(10);
      expect(check).toEqual(exactly(expected.length));
    }
  });
});
