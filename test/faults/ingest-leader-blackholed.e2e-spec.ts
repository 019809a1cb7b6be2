import { LEADER_LOCK } from '../../apps/notifier/src/ingest/ingest-leadership';
import { BlackholeProxy } from '../support/blackhole-proxy';
import { ContinuousProducer } from '../support/continuous-producer';
import { checkDelivery, exactly, waitForDrainedOutbox } from '../support/delivery';
import { Producer } from '../support/notifier-harness';
import { freePort } from '../support/notifier-process';
import { ResumingTab } from '../support/resuming-tab';
import { processTokenFor, ServiceInstance } from '../support/service-process';
import { SseRecording } from '../support/sse-client';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { uniqueUser } from '../support/users';
import { sleep, waitFor } from '../support/wait-for';

/** Process start-ups and recoveries are slow on a busy 2-core CI machine; waits are bounded below. */
jest.setTimeout(90_000);

/** "Within seconds" (DESIGN §6), for a leader that no longer answers rather than one that died. */
const TAKEOVER_LIMIT_MS = 10_000;

describe('three instances when the ingest leader’s database connection is blackholed', () => {
  let database: TestDatabase;
  let producer: Producer;
  let proxy: BlackholeProxy;
  let cutOff: ServiceInstance;
  let others: ServiceInstance[] = [];
  const tabs: ResumingTab[] = [];
  const users = Array.from({ length: 4 }, (_, n) => uniqueUser(`u${n}`));

  const all = () => [cutOff, ...others];
  const leaders = () => all().filter((instance) => instance.believesItLeads);

  /** The database's own view: sessions holding the leader's advisory lock. */
  const heldLeaderLocks = async () => {
    const { rows } = await producer.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [...LEADER_LOCK],
    );
    return rows[0].n;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    producer = new Producer(database.url);
    proxy = await BlackholeProxy.start(database.url);
    // Every connection of this one (pool, listener, lock, replication) goes through the proxy.
    cutOff = await ServiceInstance.start(proxy.urlFor(database.url), await freePort());
    await waitFor(() => cutOff.believesItLeads, 'the proxied instance to lead', 20_000);
    const ports = await Promise.all([freePort(), freePort()]);
    others = await Promise.all(ports.map((port) => ServiceInstance.start(database.url, port)));
  });

  afterAll(async () => {
    await Promise.all(tabs.map((tab) => tab.stop()));
    await Promise.all(all().map((instance) => instance.process.stop('SIGKILL')));
    await proxy.close();
    await producer.close();
    await database.drop();
  });

  it('another instance takes over within seconds, never two at once, and clients receive everything once', async () => {
    let next = 0;
    for (const user of users) {
      tabs.push(
        new ResumingTab((lastId) => {
          const instance = others[next++ % others.length];
          return SseRecording.open(`${instance.baseUrl}/users/me/events`, {
            Authorization: `Bearer ${processTokenFor(user)}`,
            ...(lastId === undefined ? {} : { 'Last-Event-ID': lastId }),
          });
        }, '0'),
      );
    }
    await waitFor(() => tabs.every((tab) => tab.connected), 'every tab to connect');
    const producers = new ContinuousProducer(database.url, users);

    let momentsWithTwoLeaders = 0;
    const oneLeaderAtATime = setInterval(() => {
      if (leaders().length > 1) momentsWithTwoLeaders++;
    }, 5);
    try {
      await sleep(500);
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
      await sleep(500);
    } finally {
      clearInterval(oneLeaderAtATime);
      await producers.stop();
    }

    expect(momentsWithTwoLeaders).toBe(0);
    expect(await heldLeaderLocks()).toBe(1);
    await waitForDrainedOutbox(producer.pool);
    for (const [index, tab] of tabs.entries()) {
      const expected = await producer.logIds(users[index]);
      expect(expected.length).toBeGreaterThan(10);
      await tab.waitForIds(expected.length);
      await sleep(100);
      expect(checkDelivery(tab.ids, expected)).toEqual(exactly(expected.length));
    }
  });
});
