import { LOCK_SPACE } from '@app/postgres-objects';
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

const INSTANCES = 3;
const TAKEOVER_LIMIT_MS = 5_000;

describe('three instances on one database when the ingest leader is killed', () => {
  let database: TestDatabase;
  let producer: Producer;
  let instances: ServiceInstance[] = [];
  const tabs: ResumingTab[] = [];
  const users = Array.from({ length: 6 }, (_, n) => uniqueUser(`u${n}`));

  const leaders = () => instances.filter((instance) => instance.believesItLeads);
  /** Like a load balancer without sticky sessions: any live instance, round robin. */
  let nextInstance = 0;
  const openOnAnyInstance = (userId: string) => (lastId: string | undefined) => {
    const alive = instances.filter((instance) => instance.process.exitCode === undefined);
    const instance = alive[nextInstance++ % alive.length];
    return SseRecording.open(`${instance.baseUrl}/users/me/events`, {
      Authorization: `Bearer ${processTokenFor(userId)}`,
      ...(lastId === undefined ? {} : { 'Last-Event-ID': lastId }),
    });
  };

  /** The database's own view: sessions holding the leader's advisory lock. */
  const heldLeaderLocks = async () => {
    const { rows } = await producer.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = 1
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [LOCK_SPACE],
    );
    return rows[0].n;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    producer = new Producer(database.url);
    const ports = await Promise.all(Array.from({ length: INSTANCES }, () => freePort()));
    instances = await Promise.all(ports.map((port) => ServiceInstance.start(database.url, port)));
  });

  afterAll(async () => {
    await Promise.all(tabs.map((tab) => tab.stop()));
    await Promise.all(instances.map((instance) => instance.process.stop('SIGKILL')));
    await producer.close();
    await database.drop();
  });

  it('exactly one leads at a time, another takes over within 5 s, and clients on every instance receive everything', async () => {
    await waitFor(() => leaders().length === 1, 'one leader');
    for (const user of users) tabs.push(new ResumingTab(openOnAnyInstance(user), '0'));
    await waitFor(() => tabs.every((tab) => tab.connected), 'every tab to connect');
    const producers = new ContinuousProducer(database.url, users);

    let momentsWithTwoLeaders = 0;
    const oneLeaderAtATime = setInterval(() => {
      if (leaders().length > 1) momentsWithTwoLeaders++;
    }, 5);
    try {
      await sleep(500);
      const [leader] = leaders();
      const killedAt = Date.now();
      await leader.process.stop('SIGKILL');
      instances = instances.filter((instance) => instance !== leader);
      await waitFor(() => leaders().length === 1, 'a new leader', TAKEOVER_LIMIT_MS);
      const takeoverMs = Date.now() - killedAt;
      expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_LIMIT_MS);
      await sleep(500);
    } finally {
      clearInterval(oneLeaderAtATime);
      await producers.stop();
    }

    expect(momentsWithTwoLeaders).toBe(0);
    expect(await heldLeaderLocks()).toBe(1);
    expect(tabs.reduce((sum, tab) => sum + tab.connections, 0)).toBeGreaterThan(tabs.length);

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
