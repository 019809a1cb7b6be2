import { StreamHub } from '../../apps/notifier/src/stream/stream-hub';
import { checkDelivery, exactly } from '../support/delivery';
import { useNotifier } from '../support/notifier-fixture';
import { waitForPausedReplay } from '../support/paused-replay';
import { uniqueUser } from '../support/users';
import { sleep } from '../support/wait-for';

/** The full size of the requirement: 200 replay pages, about 65 MB on the wire. */
const BACKLOG = 100_000;
const LIVE = 200;
/** Makes the backlog far larger than what the kernel's socket buffers absorb. */
const PADDING_BYTES = 500;
/** Node's default high-water mark of a socket plus one frame: what pacing allows in memory. */
const PACED_BUFFER_BYTES = 16 * 1024 + 1_024;

describe('a client resuming tens of thousands of events behind', () => {
  const { notifier, producer } = useNotifier();

  it('is replayed at the pace of its socket, then joins the live flow in order with nothing lost or doubled', async () => {
    const user = uniqueUser();
    await producer.notifyMany(user, BACKLOG, PADDING_BYTES);
    const backlog = await producer.waitForLogIds(user, BACKLOG, 40_000);

    const recording = await notifier.stream(user, { headers: { 'Last-Event-ID': '0' } });
    await recording.waitForMessages(100);
    recording.pause();
    const [connection] = notifier.app.get(StreamHub).connectionsOf(user);
    const produceLive = async (count: number) => {
      for (let n = 0; n < count; n++) await producer.notify(user, { live: n });
    };

    // While the client does not read, the replay waits for the socket instead of reading on.
    await produceLive(LIVE / 2);
    await waitForPausedReplay(connection);
    expect(connection.cursor).toBeLessThan(BigInt(backlog[BACKLOG - 1]));
    expect(connection.ended).toBe(false);
    expect(connection.bufferedBytes).toBeLessThanOrEqual(PACED_BUFFER_BYTES);
    expect(recording.messages.length).toBeLessThan(BACKLOG);

    recording.resume();
    await produceLive(LIVE / 2);
    const expected = await producer.waitForLogIds(user, BACKLOG + LIVE);
    await recording.waitForMessages(expected.length, 40_000);
    await sleep(100);
    expect(checkDelivery(recording.messageIds, expected)).toEqual(exactly(expected.length));
    expect(recording.ended).toBe(false);
  }, 120_000);
});
