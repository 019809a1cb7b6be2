import { EventSource } from 'eventsource';
import { ContinuousProducer } from '../support/continuous-producer';
import { checkDelivery, exactly, waitForDrainedOutbox } from '../support/delivery';
import { freePort } from '../support/free-port';
import { closeAfterTest } from '../support/leak-check';
import { useDatabase } from '../support/notifier-fixture';
import type { ServiceInstance } from '../support/service-process';
import { tokenFor } from '../support/tokens';
import { uniqueUser } from '../support/users';
import { sleep, waitFor } from '../support/wait-for';

/** A browser tab: the real EventSource, reconnecting by itself and sending Last-Event-ID. */
class BrowserTab {
  readonly ids: string[] = [];
  opens = 0;
  readonly source: EventSource;

  constructor(baseUrl: string, userId: string) {
    const query = new URLSearchParams({ access_token: tokenFor(userId), lastEventId: '0' });
    this.source = new EventSource(`${baseUrl}/users/me/events?${query.toString()}`);
    closeAfterTest(() => this.source.close());
    this.source.onopen = () => this.opens++;
    this.source.onmessage = (message) => this.ids.push(message.lastEventId);
  }
}

describe('when the service is restarted under open EventSource clients', () => {
  const { database, producer, startService } = useDatabase();
  let port: number;
  let service: ServiceInstance | undefined;
  const tabs: BrowserTab[] = [];
  const users = [uniqueUser('a'), uniqueUser('b'), uniqueUser('c')];

  const startInstance = async () => {
    service = await startService({ SSE_RETRY_MS: '200' }, { port });
  };
  const stopService = async (signal: NodeJS.Signals) => {
    const stopping = service!;
    service = undefined;
    return stopping.process.stop(signal);
  };

  beforeAll(async () => {
    port = await freePort();
    await startInstance();
  });

  it('they come back by themselves after SIGTERM and after SIGKILL, and resume with nothing lost or doubled', async () => {
    for (const user of users)
      tabs.push(new BrowserTab(service!.baseUrl, user), new BrowserTab(service!.baseUrl, user));
    await waitFor(() => tabs.every((tab) => tab.opens === 1), 'every tab to open');
    const producers = new ContinuousProducer(database.url, users);

    await sleep(500);
    const stoppedAt = Date.now();
    expect(await stopService('SIGTERM')).toBe(0);
    const gracefulMs = Date.now() - stoppedAt;
    expect(gracefulMs).toBeLessThan(5_000);
    await sleep(300);
    await startInstance();
    await waitFor(
      () => tabs.every((tab) => tab.opens >= 2),
      'every tab to reopen after SIGTERM',
      15_000,
    );

    await sleep(500);
    expect(await stopService('SIGKILL')).toBeNull();
    await sleep(300);
    await startInstance();
    await waitFor(
      () => tabs.every((tab) => tab.opens >= 3),
      'every tab to reopen after SIGKILL',
      15_000,
    );
    await sleep(300);
    await producers.stop();

    await waitForDrainedOutbox(producer.pool);
    for (const [index, tab] of tabs.entries()) {
      const expected = await producer.logIds(users[Math.floor(index / 2)]);
      expect(expected.length).toBeGreaterThan(10);
      await waitFor(() => tab.ids.length >= expected.length, `tab ${index} to catch up`, 15_000);
      await sleep(100);
      expect(checkDelivery(tab.ids, expected)).toEqual(exactly(expected.length));
    }
  });
});
