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

const INSTANCES = 3;
const TAKEOVER_LIMIT_MS = 5_000;

describe('three instances on one database when the ingest leader is killed', () => {
  const { database, producer, startService } = useDatabase();
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
      Authorization: `Bearer ${tokenFor(userId)}`,
      ...(lastId === undefined ? {} : { 'Last-Event-ID': lastId }),
    });
  };

  beforeAll(async () => {
    instances = await Promise.all(Array.from({ length: INSTANCES }, () => startService()));
  });

  it('exactly one leads at a time, another takes over within 5 s, and clients on every instance receive everything', async () => {
    await waitFor(() => leaders().length === 1, 'one leader');
    for (const user of users) tabs.push(new ResumingTab(openOnAnyInstance(user), '0'));
    await waitFor(() => tabs.every((tab) => tab.connected), 'every tab to connect');
    const producers = new ContinuousProducer(database.url, users);

    await withOneLeaderThroughout(leaders, producer.pool, producers, async () => {
      const [leader] = leaders();
      const killedAt = Date.now();
      await leader.process.stop('SIGKILL');
      instances = instances.filter((instance) => instance !== leader);
      await waitFor(() => leaders().length === 1, 'a new leader', TAKEOVER_LIMIT_MS);
      const takeoverMs = Date.now() - killedAt;
      expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_LIMIT_MS);
    });
    expect(tabs.reduce((sum, tab) => sum + tab.connections, 0)).toBeGreaterThan(tabs.length);
    await expectEachHoldsItsLogOnce(
      producer,
      tabs.map((client, index) => ({ user: users[index], client })),
    );
  });
});
