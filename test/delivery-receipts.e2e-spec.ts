import { NotificationRepository } from '@app/persistence';
import { DeliveryReceipts } from '../apps/notifier/src/receipts/delivery-receipts';
import { useNotifier } from './support/notifier-fixture';
import type { SseRecording } from './support/sse-client';
import { uniqueUser } from './support/users';
import { sleep, waitFor, waitForAsync } from './support/wait-for';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('delivery receipts: deliveredAt', () => {
  const { notifier, producer } = useNotifier();
  afterEach(() => jest.restoreAllMocks());

  async function stream(user: string, query = ''): Promise<SseRecording> {
    const recording = await notifier.stream(user, { query });
    await waitFor(() => recording.retry !== undefined, 'the stream to open');
    return recording;
  }

  interface Item {
    id: string;
    deliveredAt: string | null;
  }
  const inbox = async (user: string): Promise<Item[]> =>
    (await notifier.http<{ items: Item[] }>('GET', '/users/me/notifications', { as: user })).body
      .items;
  const deliveredAt = async (user: string, id: string): Promise<string | null | undefined> =>
    (await inbox(user)).find((item) => item.id === id)?.deliveredAt;

  it('is set once a live stream was sent the notification, and shows in the inbox and admin JSON', async () => {
    const user = uniqueUser();
    const recording = await stream(user);
    await producer.notify(user, { text: 'hi' });
    const [event] = await recording.waitForMessages(1);
    const id = event.id ?? '';
    // The frame is written before its receipt: the stream carries the state it was sent in.
    expect(JSON.parse(event.data)).toMatchObject({ id, readAt: null, deliveredAt: null });

    await waitForAsync(async () => (await deliveredAt(user, id)) !== null, 'the receipt');
    expect(await deliveredAt(user, id)).toMatch(ISO);
    const admin = await notifier.http('GET', `/admin/notifications/${id}`, { as: 'admin' });
    expect(admin.body.deliveredAt).toBe(await deliveredAt(user, id));
  });

  it('stays null while no stream of the user was sent it', async () => {
    const user = uniqueUser();
    await stream(uniqueUser('someone-else'));
    await producer.notify(user);
    const [id] = await producer.waitForLogIds(user, 1);
    await sleep(500);
    expect(await deliveredAt(user, id)).toBeNull();
    const admin = await notifier.http('GET', `/admin/notifications/${id}`, { as: 'admin' });
    expect(admin.body).toMatchObject({ id, deliveredAt: null });
  });

  it('counts a replay: a stream resuming from before the notification sets it', async () => {
    const user = uniqueUser();
    await producer.notify(user, { n: 1 });
    const [id] = await producer.waitForLogIds(user, 1);
    expect(await deliveredAt(user, id)).toBeNull();

    const recording = await stream(user, '?lastEventId=0');
    const [event] = await recording.waitForMessages(1);
    expect(event.id).toBe(id);
    await waitForAsync(async () => (await deliveredAt(user, id)) !== null, 'the replay receipt');
  });

  it('keeps the first delivery time when a second tab is sent it again', async () => {
    const user = uniqueUser();
    await stream(user);
    await producer.notify(user);
    const [id] = await producer.waitForLogIds(user, 1);
    await waitForAsync(async () => (await deliveredAt(user, id)) !== null, 'the receipt');
    const first = await deliveredAt(user, id);

    const replaying = await stream(user, '?lastEventId=0');
    await replaying.waitForMessages(1);
    await sleep(200);
    expect(await deliveredAt(user, id)).toBe(first);
  });

  it('writes a batch in one statement: ids recorded in the same tick go together', async () => {
    const user = uniqueUser();
    for (let n = 0; n < 3; n++) await producer.notify(user, { n });
    const ids = (await producer.waitForLogIds(user, 3)).map(BigInt);
    const markDelivered = jest.spyOn(notifier.app.get(NotificationRepository), 'markDelivered');

    const receipts = notifier.app.get(DeliveryReceipts);
    for (const id of ids) receipts.record([id]);
    await waitForAsync(
      async () => (await inbox(user)).every((item) => item.deliveredAt !== null),
      'the receipts',
    );
    expect(markDelivered).toHaveBeenCalledTimes(1);
    expect([...markDelivered.mock.calls[0][0]].sort()).toEqual(ids);
  });

  it('is not held up by the push worker claiming the same notification', async () => {
    const user = uniqueUser();
    await producer.notify(user);
    const [id] = await producer.waitForLogIds(user, 1);
    // What the claim's INSERT into push_deliveries takes on the row, through its foreign key.
    const claim = await producer.pool.connect();
    try {
      await claim.query('BEGIN');
      await claim.query('SELECT 1 FROM notifications WHERE id = $1 FOR KEY SHARE', [id]);
      const receipt = notifier.app.get(NotificationRepository).markDelivered([BigInt(id)]);
      const outcome = await Promise.race([receipt, sleep(2000).then(() => 'still waiting')]);
      expect(outcome).toBe(1);
    } finally {
      await claim.query('ROLLBACK');
      claim.release();
    }
  });

  it('costs one statement per live batch, not one per notification', async () => {
    const user = uniqueUser();
    const recording = await stream(user);
    const markDelivered = jest.spyOn(notifier.app.get(NotificationRepository), 'markDelivered');
    await producer.notifyMany(user, 500);
    await recording.waitForMessages(500);
    await waitForAsync(
      async () =>
        (
          await producer.pool.query(
            'SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND delivered_at IS NULL',
            [user],
          )
        ).rows[0].n === 0,
      'every receipt',
    );
    const recorded = markDelivered.mock.calls.reduce((sum, [ids]) => sum + ids.length, 0);
    expect(recorded).toBe(500);
    // The hub reads the log in pages of up to 1,000 rows: a few pages, never 500 statements.
    expect(markDelivered.mock.calls.length).toBeLessThanOrEqual(5);
  });
});
