import { OUTBOX_WAL_APPLICATION } from '@app/change-feed';
import { ContinuousProducer } from '../support/continuous-producer';
import { terminateBackends } from '../support/database-faults';
import { deliveryOfLog, exactly, waitForDrainedOutbox } from '../support/delivery';
import { useNotifier } from '../support/notifier-fixture';
import { ResumingTab, tabOn } from '../support/resuming-tab';
import { uniqueUser } from '../support/users';
import { sleep, waitFor, waitForAsync } from '../support/wait-for';

describe('when the WAL wake-up (replication) connection is killed under load', () => {
  const { notifier, producer, database } = useNotifier();
  const tabs: ResumingTab[] = [];

  /** The pids of the walsenders holding this database's temporary slots. */
  const slotHolders = async () => {
    const { rows } = await producer.pool.query<{ pid: number | null }>(
      `SELECT active_pid AS pid FROM pg_replication_slots
       WHERE database = current_database() AND temporary`,
    );
    return rows.map((row) => row.pid);
  };

  it('comes back with a new temporary slot each time, the old one gone, and nothing is lost', async () => {
    const users = [uniqueUser('a'), uniqueUser('b'), uniqueUser('c')];
    for (const user of users) tabs.push(tabOn(notifier, user));
    await waitFor(() => tabs.every((tab) => tab.connected), 'every tab to connect');
    await waitForAsync(async () => (await slotHolders()).length === 1, 'the first slot');

    const producers = new ContinuousProducer(database.url, users, 2);
    try {
      for (let round = 0; round < 3; round++) {
        const [before] = await slotHolders();
        expect(await terminateBackends(database.url, OUTBOX_WAL_APPLICATION)).toBe(1);
        await waitForAsync(
          async () => {
            const holders = await slotHolders();
            return holders.length === 1 && holders[0] !== null && holders[0] !== before;
          },
          `slot ${round + 2} held by a new connection`,
        );
        await sleep(300);
      }
    } finally {
      await producers.stop();
    }
    expect(producers.failures).toBe(0);

    await waitForDrainedOutbox(producer.pool);
    for (const [index, tab] of tabs.entries()) {
      const { expected, check } = await deliveryOfLog(producer, users[index], tab);
      expect(expected.length).toBeGreaterThan(10);
      expect(check).toEqual(exactly(expected.length));
      expect(tab.connections).toBe(1);
    }
    expect(await slotHolders()).toHaveLength(1);
  });
});
