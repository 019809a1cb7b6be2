import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContinuousProducer } from '../support/continuous-producer';
import { waitForHealth } from '../support/database-faults';
import { checkDelivery, exactly, waitForDrainedOutbox } from '../support/delivery';
import { Producer, RunningNotifier, startNotifier } from '../support/notifier-harness';
import { freePort } from '../support/notifier-process';
import { PostgresProcess } from '../support/postgres-process';
import { ResumingTab, tabOn } from '../support/resuming-tab';
import { uniqueUser } from '../support/users';
import { sleep, waitFor } from '../support/wait-for';

/** Process start-ups and recoveries are slow on a busy 2-core CI machine; waits are bounded below. */
jest.setTimeout(90_000);

/**
 * Restarting a server would break every other test file sharing it, so this one runs its own
 * PostgreSQL, on its own port and directory.
 */
describe('when PostgreSQL restarts under connected clients and busy producers', () => {
  let dir: string;
  let port: number;
  let postgres: PostgresProcess | undefined;
  let databaseUrl: string;
  let notifier: RunningNotifier;
  const tabs: ResumingTab[] = [];
  const users = [uniqueUser('a'), uniqueUser('b'), uniqueUser('c')];

  const startPostgres = async () => {
    const started = await PostgresProcess.start(dir, port);
    postgres = started.server;
    databaseUrl = started.url;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'notifier-restart-'));
    // The embedded server runs as the OS user "postgres" when we are root.
    await chmod(dir, 0o755);
    port = await freePort();
    await startPostgres();
    notifier = await startNotifier(databaseUrl, { LOG_LEVEL: 'silent' });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(tabs.map((tab) => tab.stop()));
    await notifier?.close();
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('survives without restarting and delivers everything once the database is back', async () => {
    for (const user of users) tabs.push(tabOn(notifier, user), tabOn(notifier, user));
    await waitFor(() => tabs.every((tab) => tab.connected), 'every tab to connect');
    const producers = new ContinuousProducer(databaseUrl, users);

    await sleep(500);
    await postgres!.stop();
    postgres = undefined;
    await waitForHealth(notifier.baseUrl, 503);
    await sleep(500);
    await startPostgres();
    await waitForHealth(notifier.baseUrl, 200, 20_000);
    await sleep(500);
    await producers.stop();
    expect(producers.failures).toBeGreaterThan(0);

    const producer = new Producer(databaseUrl);
    try {
      await waitForDrainedOutbox(producer.pool);
      for (const [index, tab] of tabs.entries()) {
        const expected = await producer.logIds(users[Math.floor(index / 2)]);
        expect(expected.length).toBeGreaterThan(10);
        await tab.waitForIds(expected.length, 20_000);
        await sleep(100);
        expect(checkDelivery(tab.ids, expected)).toEqual(exactly(expected.length));
      }
    } finally {
      await producer.close();
    }
  });
});
