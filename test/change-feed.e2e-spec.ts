import { Client } from 'pg';
import { ChangeFeed } from '@app/change-feed';
import { terminateBackends } from './support/database-faults';
import { useDatabase } from './support/notifier-fixture';
import { waitFor } from './support/wait-for';

const LISTENER = 'notifier-listener';

describe('the change feed', () => {
  const { database } = useDatabase();
  let feed: ChangeFeed;
  let notifier: Client;
  const runs = { orders: 0, invoices: 0 };

  beforeEach(async () => {
    runs.orders = runs.invoices = 0;
    feed = new ChangeFeed(database.url);
    feed.reader('orders', () => Promise.resolve(void runs.orders++), {
      name: 'orders',
      safetyPollMs: 60_000,
    });
    feed.reader('invoices', () => Promise.resolve(void runs.invoices++), {
      name: 'invoices',
      safetyPollMs: 60_000,
    });
    notifier = new Client({ connectionString: database.url });
    await notifier.connect();
  });

  afterEach(async () => {
    await feed.onApplicationShutdown();
    await notifier.end();
  });

  const notify = (channel: string) => notifier.query(`NOTIFY ${channel}, 'anything at all'`);

  it('runs every reader once it listens, to catch up on what nobody heard', async () => {
    await feed.onApplicationBootstrap();
    await waitFor(() => runs.orders === 1 && runs.invoices === 1, 'both readers to run');
    expect(feed.isConnected).toBe(true);
  });

  it('wakes the readers of the channel notified, and no other', async () => {
    await feed.onApplicationBootstrap();
    await waitFor(() => runs.orders === 1 && runs.invoices === 1, 'the first runs');
    await notify('orders');
    await waitFor(() => runs.orders === 2, 'the orders reader to run again');
    await notify('orders');
    await waitFor(() => runs.orders === 3, 'the orders reader to run a third time');
    expect(runs.invoices).toBe(1);
  });

  it('reconnects after its connection is killed, runs every reader, and listens again', async () => {
    await feed.onApplicationBootstrap();
    await waitFor(() => runs.orders === 1, 'the first run');
    expect(await terminateBackends(database.url, LISTENER)).toBe(1);
    await waitFor(() => !feed.isConnected, 'the feed to see its connection go');
    await waitFor(() => feed.isConnected, 'the feed to listen again');
    await waitFor(() => runs.orders === 2 && runs.invoices === 2, 'both readers to catch up');
    await notify('invoices');
    await waitFor(() => runs.invoices === 3, 'a NOTIFY after the reconnect to wake its reader');
  });

  it('runs a reader on its safety poll when nothing notifies', async () => {
    const polled = { runs: 0 };
    feed.reader('quiet', () => Promise.resolve(void polled.runs++), {
      name: 'quiet',
      safetyPollMs: 100,
    });
    await feed.onApplicationBootstrap();
    await waitFor(() => polled.runs >= 4, 'four runs: one on connecting, three polls');
  });

  it('refuses a reader registered after it started, which it could never LISTEN for', async () => {
    await feed.onApplicationBootstrap();
    expect(() =>
      feed.reader('late', () => Promise.resolve(), { name: 'Late reader', safetyPollMs: 1_000 }),
    ).toThrow('Late reader: readers must be registered before the change feed starts');
  });

  it('runs a reader woken during a run once more after it, not once per wake-up', async () => {
    let running = 0;
    let finish: () => void = () => undefined;
    const reader = feed.reader(
      'slow',
      () => {
        running++;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      { name: 'slow', safetyPollMs: 60_000 },
    );
    reader.wake();
    reader.wake();
    reader.wake();
    expect(running).toBe(1);
    finish();
    await waitFor(() => running === 2, 'one more run');
    finish();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(running).toBe(2);
  });
});
