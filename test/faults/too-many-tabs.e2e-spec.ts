import { StreamHub } from '../../apps/notifier/src/stream/stream-hub';
import { useNotifier } from '../support/notifier-fixture';
import type { SseRecording } from '../support/sse-client';
import { uniqueUser } from '../support/users';
import { sleep, waitFor, waitForAsync } from '../support/wait-for';

const CAP = 3;

describe('a user opening more streams than SSE_MAX_CONNECTIONS_PER_USER', () => {
  const { notifier, producer } = useNotifier({
    env: { SSE_MAX_CONNECTIONS_PER_USER: String(CAP) },
  });

  const openTab = async (userId: string) => {
    const recording = await notifier.stream(userId, { headers: { 'Last-Event-ID': '0' } });
    await waitFor(() => recording.retry !== undefined, 'the stream to start');
    return recording;
  };

  it('ends the oldest stream each time; the newest ones and other users keep everything', async () => {
    const user = uniqueUser();
    const neighbour = await openTab(uniqueUser('neighbour'));
    const tabs: SseRecording[] = [];
    for (let n = 0; n < CAP; n++) tabs.push(await openTab(user));
    await producer.notify(user, { n: 0 });
    await Promise.all(tabs.map((tab) => tab.waitForMessages(1)));

    tabs.push(await openTab(user));
    await waitFor(() => tabs[0].ended, 'the oldest stream to end');
    tabs.push(await openTab(user));
    await waitFor(() => tabs[1].ended, 'the second oldest stream to end');

    expect(notifier.app.get(StreamHub).connectionsOf(user)).toHaveLength(CAP);
    expect(tabs.map((tab) => tab.ended)).toEqual([true, true, false, false, false]);
    expect(neighbour.ended).toBe(false);

    await producer.notify(user, { n: 1 });
    let ids: string[] = [];
    await waitForAsync(async () => (ids = await producer.logIds(user)).length === 2, 'the log');
    await Promise.all(tabs.slice(2).map((tab) => tab.waitForMessages(2)));
    await sleep(100);
    for (const tab of tabs.slice(2)) expect(tab.messageIds).toEqual(ids);
    expect(tabs[0].messageIds).toEqual(ids.slice(0, 1));
  });
});
