import { RetentionJob } from '../../apps/notifier/src/retention/retention-job';
import { StreamHub } from '../../apps/notifier/src/stream/stream-hub';
import { checkDelivery, exactly } from '../support/delivery';
import { useNotifier } from '../support/notifier-fixture';
import { waitForPausedReplay } from '../support/paused-replay';
import type { SseRecording } from '../support/sse-client';
import { uniqueUser } from '../support/users';
import { sleep, waitForAsync } from '../support/wait-for';

const NOTIFICATIONS = 2_500;
const EXPIRED = 2_300;
/** Rows large enough that loopback socket buffers fill well inside the first replay page. */
const LARGE_PAYLOAD_BYTES = 32_000;
const LARGE_ROWS = 1_000;
const REPLAY_PAGE = 500;
const DELETED_UP_TO_INDEX = 800;

describe('history older than RETENTION_DAYS', () => {
  const { notifier, producer } = useNotifier({ env: { RETENTION_DAYS: '30' } });
  const user = uniqueUser();
  let ids: string[];

  const resumeFrom = (lastEventId: string) =>
    notifier.stream(user, { headers: { 'Last-Event-ID': lastEventId } });
  const watermark = async () => {
    const { rows } = await producer.pool.query<{ id: string }>(
      'SELECT deleted_up_to::text AS id FROM retention_watermark',
    );
    return rows[0].id;
  };

  beforeAll(async () => {
    await producer.notifyMany(user, NOTIFICATIONS);
    ids = await producer.waitForLogIds(user, NOTIFICATIONS, 15_000);
  });

  it('is deleted oldest first, in batches, up to the first notification still kept', async () => {
    const age = (from: number, to: number) =>
      producer.pool.query(
        `UPDATE notifications SET stored_at = now() - interval '31 days' WHERE id BETWEEN $1 AND $2`,
        [ids[from], ids[to]],
      );
    await age(0, EXPIRED - 1);
    // Old rows behind a young one wait for it: retention only ever removes a prefix.
    await age(EXPIRED + 100, NOTIFICATIONS - 1);

    expect(await notifier.app.get(RetentionJob).run()).toBe(EXPIRED);

    expect(await producer.logIds(user)).toEqual(ids.slice(EXPIRED));
    expect(await watermark()).toBe(ids[EXPIRED - 1]);
    expect(await notifier.app.get(RetentionJob).run()).toBe(0);
  });

  it('sends `event: reset` without an id first to a client resuming below it, then what remains and live ones', async () => {
    const recording = await resumeFrom(ids[10]);
    await recording.waitForMessages(NOTIFICATIONS - EXPIRED);
    await producer.notify(user, { live: true });
    let kept: string[] = [];
    await waitForAsync(
      async () => (kept = await producer.logIds(user)).length > NOTIFICATIONS - EXPIRED,
      'the live notification in the log',
    );
    expect(kept.slice(0, -1)).toEqual(ids.slice(EXPIRED));
    await recording.waitForMessages(kept.length);
    expect(recording.events[0]).toEqual({
      event: 'reset',
      data: JSON.stringify({ reason: 'history-truncated', oldestId: ids[EXPIRED] }),
    });
    expect(recording.raw).toMatch(
      /^retry: \d+\n\nevent: reset\ndata: \{"reason":"history-truncated","oldestId":"\d+"\}\n\nid: /,
    );
    await sleep(100);
    expect(recording.events.filter((event) => event.event === 'reset')).toHaveLength(1);
    expect(checkDelivery(recording.messageIds, kept)).toEqual(exactly(kept.length));
  });

  it('sends a reset to a client resuming from 0 too', async () => {
    const recording = await resumeFrom('0');
    await recording.waitForMessages(1);
    expect(recording.events[0].event).toBe('reset');
  });

  it('sends no reset to a user who lost nothing, resuming below it (from 0 too)', async () => {
    const bystander = uniqueUser('bystander');
    await producer.notify(bystander, { kept: true });
    const [kept] = await producer.waitForLogIds(bystander, 1);
    for (const from of [ids[10], '0']) {
      const recording = await notifier.stream(bystander, { headers: { 'Last-Event-ID': from } });
      await recording.waitForMessages(1);
      await sleep(100);
      expect(recording.events.map((event) => event.event ?? event.id)).toEqual([kept]);
    }
  });

  it('sends no reset to a client resuming at or above it', async () => {
    const recording = await resumeFrom(ids[EXPIRED - 1]);
    const expected = await producer.logIds(user);
    await recording.waitForMessages(expected.length);
    await sleep(100);
    expect(recording.events.some((event) => event.event === 'reset')).toBe(false);
    expect(checkDelivery(recording.messageIds, expected)).toEqual(exactly(expected.length));
  });

  // Last on purpose: it expires the whole log up to a point, including the rows above.
  it('sends the reset mid-replay when retention deletes what the replay has not reached yet', async () => {
    const reader = uniqueUser('reader');
    await producer.notifyMany(reader, LARGE_ROWS, LARGE_PAYLOAD_BYTES);
    const readerIds = await producer.waitForLogIds(reader, LARGE_ROWS, 20_000);
    const recording = await notifier.stream(reader, {
      headers: { 'Last-Event-ID': (BigInt(readerIds[0]) - 1n).toString() },
    });
    await recording.waitForMessages(1);
    recording.pause();
    const [connection] = notifier.app.get(StreamHub).connectionsOf(reader);
    await waitForPausedReplay(connection);
    // The replay is still writing its first page: the rows being deleted are all unread.
    expect(readerIds.indexOf(connection.cursor.toString())).toBeLessThan(REPLAY_PAGE);

    const deletedUpTo = readerIds[DELETED_UP_TO_INDEX];
    await producer.pool.query(
      `UPDATE notifications SET stored_at = now() - interval '31 days' WHERE id <= $1`,
      [deletedUpTo],
    );
    await notifier.app.get(RetentionJob).run();
    expect(await watermark()).toBe(deletedUpTo);
    recording.resume();

    const kept = readerIds.slice(DELETED_UP_TO_INDEX + 1);
    await waitForAsync(
      () => Promise.resolve(afterReset(recording).length >= kept.length),
      'the rows kept after the reset',
      20_000,
    );
    await sleep(100);
    const resets = recording.events.filter((event) => event.event === 'reset');
    expect(resets).toEqual([
      {
        event: 'reset',
        data: JSON.stringify({
          reason: 'history-truncated',
          oldestId: (BigInt(deletedUpTo) + 1n).toString(),
        }),
      },
    ]);
    const beforeReset = recording.messageIds.slice(0, -afterReset(recording).length);
    expect(beforeReset.every((id) => BigInt(id) <= BigInt(deletedUpTo))).toBe(true);
    expect(checkDelivery(recording.messageIds, [...beforeReset, ...kept])).toEqual(
      exactly(beforeReset.length + kept.length),
    );
    expect(afterReset(recording)).toEqual(kept);
  });
});

/** The ids a recording received after its first `reset` event. */
function afterReset(recording: SseRecording): string[] {
  const reset = recording.events.findIndex((event) => event.event === 'reset');
  if (reset === -1) return [];
  return recording.events
    .slice(reset + 1)
    .filter((event) => event.event === undefined)
    .map((event) => event.id ?? '');
}
