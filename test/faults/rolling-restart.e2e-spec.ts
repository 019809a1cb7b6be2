import { ContinuousProducer } from '../support/continuous-producer';
import { checkDelivery, exactly, waitForDrainedOutbox } from '../support/delivery';
import { useDatabase } from '../support/notifier-fixture';
import { ResumingTab } from '../support/resuming-tab';
import type { ServiceInstance } from '../support/service-process';
import { SseRecording } from '../support/sse-client';
import { tokenFor } from '../support/tokens';
import { uniqueUser } from '../support/users';
import { sleep, waitFor } from '../support/wait-for';

jest.setTimeout(120_000);

const STREAMS = 200;
const USERS = 20;
const DRAIN_MS = 3_000;

describe('SIGTERM with streams open (a rolling restart of one of two instances)', () => {
  const { database, producer, startService } = useDatabase();
  let draining: ServiceInstance;
  let staying: ServiceInstance;
  const tabs: ResumingTab[] = [];
  const users = Array.from({ length: USERS }, (_, n) => uniqueUser(`r${n}`));
  /** When each stream on the draining instance ended, in ms after SIGTERM. */
  const endedAfter: number[] = [];
  let sigtermAt = 0;

  const open = (instance: ServiceInstance, userId: string, lastId?: string) =>
    SseRecording.open(`${instance.baseUrl}/users/me/events`, {
      Authorization: `Bearer ${tokenFor(userId)}`,
      ...(lastId === undefined ? {} : { 'Last-Event-ID': lastId }),
    });

  /** First on the instance that will drain, then, like a load balancer, on the one that stays. */
  const tabOf = (userId: string) => {
    let first = true;
    return new ResumingTab(async (lastId) => {
      if (!first) return open(staying, userId, lastId);
      first = false;
      const recording = await open(draining, userId, lastId);
      void recording.closed.then(() => endedAfter.push(Date.now() - sigtermAt));
      return recording;
    }, '0');
  };

  beforeAll(async () => {
    const env = { SHUTDOWN_DRAIN_MS: String(DRAIN_MS) };
    [draining, staying] = await Promise.all([startService(env), startService(env)]);
  });

  it('ends the streams spread over SHUTDOWN_DRAIN_MS, turns new ones away, and every client resumes elsewhere with nothing lost', async () => {
    for (let i = 0; i < STREAMS; i++) tabs.push(tabOf(users[i % USERS]));
    await waitFor(() => tabs.every((tab) => tab.connected), 'every stream to open', 30_000);
    const producing = new ContinuousProducer(database.url, users, 20);

    sigtermAt = Date.now();
    const exited = draining.process.stop('SIGTERM');
    await sleep(300);
    const ready = await fetch(`${draining.baseUrl}/health/ready`);
    const turnedAway = await open(draining, users[0]);
    await turnedAway.closed;
    expect(ready.status).toBe(503);
    expect(turnedAway.status).toBe(200);
    expect(turnedAway.retry).toBeDefined();
    expect(turnedAway.messages).toEqual([]);

    expect(await exited).toBe(0);
    await producing.stop();
    await waitForDrainedOutbox(producer.pool);

    expect(endedAfter).toHaveLength(STREAMS);
    const endedEarly = endedAfter.filter((ms) => ms < 100).length;
    expect(endedEarly).toBeLessThan(STREAMS / 4);
    expect(Math.max(...endedAfter)).toBeLessThan(DRAIN_MS + 2_000);
    for (const [index, tab] of tabs.entries()) {
      const expected = await producer.logIds(users[index % USERS]);
      await tab.waitForIds(expected.length);
      expect(checkDelivery(tab.ids, expected)).toEqual(exactly(expected.length));
    }
  });
});
