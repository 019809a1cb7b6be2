import { StreamHub } from '../../apps/notifier/src/stream/stream-hub';
import { checkDelivery, exactly } from '../support/delivery';
import { useNotifier } from '../support/notifier-fixture';
import { tabOn } from '../support/resuming-tab';
import { uniqueUser } from '../support/users';
import { sleep, waitFor } from '../support/wait-for';

const MAX_BUFFER_BYTES = 64 * 1024;
const PAYLOAD_BYTES = 16_000;
/** Small statements, so that the unsent output grows step by step where it can be sampled. */
const ROWS_PER_INSERT = 1;
/** Far more than the kernel's socket buffers on loopback and the limit can hold together. */
const MAX_BACKLOG = 6_000;
/** About 8 MB more, produced after the cut while the client still does not read. */
const BACKLOG_AFTER_THE_CUT = 500;
/** One frame may be queued on top of the limit before the connection is cut. */
const LARGEST_FRAME = PAYLOAD_BYTES + 1_000;

describe('a client that stops reading', () => {
  const { notifier, producer } = useNotifier({
    env: {
      SSE_MAX_BUFFER_BYTES: String(MAX_BUFFER_BYTES),
      // A stream that fell behind is ended when it takes nothing for one heartbeat interval.
      SSE_HEARTBEAT_MS: '1000',
    },
  });

  it('is ended when it takes nothing for a heartbeat interval, never holding more than SSE_MAX_BUFFER_BYTES, and resumes everything when it reads again', async () => {
    const hub = notifier.app.get(StreamHub);
    const user = uniqueUser();
    const stalled = tabOn(notifier, user);
    await waitFor(() => hub.connectionsOf(user).length === 1, 'the stalling stream');
    const [stalledConnection] = hub.connectionsOf(user);
    const reading = tabOn(notifier, user);
    await waitFor(() => hub.connectionsOf(user).length === 2, 'the reading stream');
    stalled.pause();

    let largestBuffer = 0;
    const sampler = setInterval(() => {
      largestBuffer = Math.max(largestBuffer, stalledConnection.bufferedBytes);
    }, 2);
    let backlog = 0;
    const produce = async (rows: number) => {
      await producer.notifyMany(user, rows, PAYLOAD_BYTES);
      backlog += rows;
    };
    while (!stalledConnection.ended && backlog < MAX_BACKLOG) {
      await produce(ROWS_PER_INSERT);
      await sleep(2);
    }
    await waitFor(() => stalledConnection.ended, 'the stalled stream to be ended', 10_000);
    // The backlog keeps growing while the client still does not read: nothing is held for it.
    await produce(BACKLOG_AFTER_THE_CUT);
    clearInterval(sampler);

    expect(hub.connectionsOf(user)).not.toContain(stalledConnection);
    expect(stalledConnection.reason).toBe('slow-consumer');
    expect(largestBuffer).toBeLessThanOrEqual(MAX_BUFFER_BYTES + LARGEST_FRAME);

    const expected = await producer.waitForLogIds(user, backlog, 20_000);
    await reading.waitForIds(backlog);
    expect(stalled.ids.length).toBeLessThan(backlog);

    stalled.resume();
    await stalled.waitForIds(backlog, 20_000);
    await sleep(100);
    expect(checkDelivery(stalled.ids, expected)).toEqual(exactly(backlog));
    expect(stalled.connections).toBeGreaterThanOrEqual(2);
    expect(checkDelivery(reading.ids, expected)).toEqual(exactly(backlog));
  });

  it('a burst far over SSE_MAX_BUFFER_BYTES reaches a client that reads, on the same connection', async () => {
    const hub = notifier.app.get(StreamHub);
    const user = uniqueUser();
    const tab = tabOn(notifier, user);
    await waitFor(() => hub.connectionsOf(user).length === 1, 'the stream');
    const [connection] = hub.connectionsOf(user);

    const burst = 40; // about 640 KB, ten times the limit, in one statement and one log read
    await producer.notifyMany(user, burst, PAYLOAD_BYTES);
    await tab.waitForIds(burst);
    const expected = await producer.logIds(user);
    expect(checkDelivery(tab.ids, expected)).toEqual(exactly(burst));
    expect(tab.connections).toBe(1);
    expect(connection.reason).toBeUndefined();
    expect(connection.ended).toBe(false);
  });
});
