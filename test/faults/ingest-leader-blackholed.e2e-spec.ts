import { BlackholeProxy } from '../support/blackhole-proxy';
import { ContinuousProducer } from '../support/continuous-producer';
import { expectEachHoldsItsLogOnce } from '../support/delivery';
import { withOneLeaderThroughout } from '../support/ingest-lead';
import { useDatabase } from '../support/notifier-fixture';
import { ResumingTab } from '../support/resuming-tab';
import type { ServiceInstance } from '../support/service-process';
import { SseRecording } from '../support/sse-client';
import { tokenFor } from '../support/tokens';
import { uniqueUser } from '../support/users';
import { waitFor } from '../support/wait-for';

/** "Within seconds" (DESIGN §6), for a leader that no longer answers rather than one that died. */
const TAKEOVER_LIMIT_MS = 10_000;

describe('three instances when the ingest leader’s database connection is blackholed', () => {
  const { database, producer, startService } = useDatabase();
  let proxy: BlackholeProxy;
  let cutOff: ServiceInstance;
  let others: ServiceInstance[] = [];
  const tabs: ResumingTab[] = [];
  const users = Array.from({ length: 4 }, (_, n) => uniqueUser(`u${n}`));

  const all = () => [cutOff, ...others];
  const leaders = () => all().filter((instance) => instance.believesItLeads);

  beforeAll(async () => {
    proxy = await BlackholeProxy.start(database.url);
    // Every connection of this one (pool, listener, lock, replication) goes through the proxy.
    cutOff = await startService({}, { databaseUrl: proxy.urlFor(database.url) });
    await waitFor(() => cutOff.believesItLeads, 'the proxied instance to lead', 20_000);
    others = await Promise.all([startService(), startService()]);
  });

  afterAll(() => proxy?.close());

  it('another instance takes over within seconds, never two at once, and clients receive everything once', async () => {
    let next = 0;
    for (const user of users) {
      tabs.push(
        new ResumingTab((lastId) => {
          const instance = others[next++ % others.length];
          return SseRecording.open(`${instance.baseUrl}/users/me/events`, {
            Authorization: `Bearer ${tokenFor(user)}`,
            ...(lastId === undefined ? {} : { 'Last-Event-ID': lastId }),
          });
        }, '0'),
      );
    }
    await waitFor(() => tabs.every((tab) => tab.connected), 'every tab to connect');
    const producers = new ContinuousProducer(database.url, users);

    await withOneLeaderThroughout(leaders, producer.pool, producers, async () => {
      expect(leaders()).toEqual([cutOff]);
      const cutAt = Date.now();
      proxy.blackhole();
      await waitFor(
        () => others.some((instance) => instance.believesItLeads),
        'another instance to lead',
        TAKEOVER_LIMIT_MS + 5_000,
      );
      expect(Date.now() - cutAt).toBeLessThanOrEqual(TAKEOVER_LIMIT_MS);
      expect(cutOff.believesItLeads).toBe(false);
    });
    await expectEachHoldsItsLogOnce(
      producer,
      tabs.map((client, index) => ({ user: users[index], client })),
    );
  });
});
