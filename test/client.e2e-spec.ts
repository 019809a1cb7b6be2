import {
  ClosedReason,
  ConnectionStatus,
  NotifierApiError,
  Notification,
  NotifierClient,
  NotifierClientOptions,
  ReadChange,
  ResetNotice,
} from '@notifier/client';
import { RetentionJob } from '../apps/notifier/src/retention/retention-job';
import { closeAfterTest } from './support/leak-check';
import { useNotifier } from './support/notifier-fixture';
import { RecordingProxy } from './support/recording-proxy';
import { signToken } from './support/tokens';
import { uniqueUser } from './support/users';
import { sleep, waitFor, waitForAsync } from './support/wait-for';

/** A `localStorage` of one origin, kept in `items`: what tabs of one browser share. */
const storageIn = (items: Map<string, string>) => ({
  getItem: (key: string) => items.get(key) ?? null,
  setItem: (key: string, value: string) => void items.set(key, value),
  removeItem: (key: string) => void items.delete(key),
});

/** What one client told its app. */
class Recorded {
  readonly notifications: Notification[] = [];
  readonly reads: ReadChange[] = [];
  readonly statuses: [ConnectionStatus, ClosedReason | undefined][] = [];
  unread?: number;

  constructor(readonly client: NotifierClient) {
    client.onNotification((notification) => this.notifications.push(notification));
    client.onRead((change) => this.reads.push(change));
    client.onStatus((status, reason) => this.statuses.push([status, reason]));
    client.onUnreadCount((count) => (this.unread = count));
  }

  get ids(): string[] {
    return this.notifications.map((notification) => notification.id);
  }
}

describe('@notifier/client against the real service (Node, nothing injected)', () => {
  // One stream per user, so that a second stream ends the client's; a short retry.
  const { notifier, producer } = useNotifier({
    env: { SSE_MAX_CONNECTIONS_PER_USER: '1', SSE_RETRY_MS: '100' },
  });

  function clientOf(user: string, options: Partial<NotifierClientOptions> = {}): Recorded {
    const client = new NotifierClient({
      token: notifier.tokenFor(user),
      baseUrl: notifier.baseUrl,
      ...options,
    });
    closeAfterTest(() => client.stop());
    return new Recorded(client);
  }

  async function openConnections(user: string): Promise<{ lastEventId: string }[]> {
    const answer = await notifier.http<{ lastEventId: string }[]>(
      'GET',
      `/admin/users/${user}/connections`,
      { as: 'admin' },
    );
    return answer.body;
  }

  it('loads the inbox, then streams from its newest id: nothing missed, nothing twice', async () => {
    const user = uniqueUser();
    await producer.notify(user, { n: 1 });
    await producer.notify(user, { n: 2 });
    const before = await producer.waitForLogIds(user, 2);
    const recorded = clientOf(user);

    const page = await recorded.client.start();
    expect(page.map((item) => item.id)).toEqual([before[1], before[0]]);
    await waitFor(() => recorded.client.status === 'open', 'the stream to open');
    expect(await openConnections(user)).toEqual([
      expect.objectContaining({ lastEventId: before[1] }),
    ]);

    await producer.notify(user, { n: 3 });
    const [, , third] = await producer.waitForLogIds(user, 3);
    await waitFor(() => recorded.notifications.length === 1, 'the live notification');
    expect(recorded.notifications[0]).toMatchObject({ id: third, payload: { n: 3 }, readAt: null });
    expect(recorded.client.lastId).toBe(third);
    expect(recorded.statuses.map(([status]) => status)).toEqual(['open']);
  });

  it('starts live for a user with an empty inbox: no resume point the server did not give, no reset after retention ran', async () => {
    // Retention has run: the log's watermark is above every id this user could hold.
    const other = uniqueUser();
    await producer.notify(other, {});
    const [expired] = await producer.waitForLogIds(other, 1);
    await producer.pool.query(
      `UPDATE notifications SET stored_at = now() - interval '31 days' WHERE id <= $1`,
      [expired],
    );
    expect(await notifier.app.get(RetentionJob).run()).toBeGreaterThan(0);
    const proxy = await RecordingProxy.start(notifier.baseUrl);
    closeAfterTest(() => proxy.close());

    const user = uniqueUser();
    const recorded = clientOf(user, { baseUrl: proxy.baseUrl });
    const resets: ResetNotice[] = [];
    recorded.client.onReset((notice) => resets.push(notice));
    expect(await recorded.client.start()).toEqual([]);
    await waitFor(() => recorded.client.status === 'open', 'the stream to open');
    await producer.notify(user, { n: 1 });
    const [id] = await producer.waitForLogIds(user, 1);
    await waitFor(() => recorded.notifications.length === 1, 'the live notification');

    expect(recorded.ids).toEqual([id]);
    expect(resets).toEqual([]);
    const [stream] = proxy.requestsTo('/users/me/events');
    expect(stream.headers['last-event-id']).toBeUndefined();
    expect(new URL(stream.url, proxy.baseUrl).searchParams.get('lastEventId')).toBeNull();
  });

  it('gets from the inbox what was appended while its live stream was opening', async () => {
    const user = uniqueUser();
    const witnessUser = uniqueUser('witness');
    const witness = await notifier.stream(witnessUser);
    const proxy = await RecordingProxy.start(notifier.baseUrl);
    closeAfterTest(() => proxy.close());
    const held = proxy.hold('/users/me/events');
    const recorded = clientOf(user, { baseUrl: proxy.baseUrl });
    expect(await recorded.client.start()).toEqual([]);
    await held.arrived;

    // Appended after the inbox was read, and dispatched before the stream is registered:
    // the witness's later notification shows the service has gone past it.
    await producer.notify(user, { n: 1 });
    await producer.notify(witnessUser, {});
    await witness.waitForMessages(1);
    held.release();
    await waitFor(() => recorded.notifications.length === 1, 'the notification, from the inbox');
    await producer.notify(user, { n: 2 });
    const ids = await producer.waitForLogIds(user, 2);
    await waitFor(() => recorded.notifications.length === 2, 'the live one after it');
    expect(recorded.ids).toEqual(ids);
    expect(proxy.requestsTo('/users/me/events')).toHaveLength(1);
  });

  it('sends its token only in the Authorization header, and Last-Event-ID on every reconnect', async () => {
    const user = uniqueUser();
    await producer.notify(user, { n: 1 });
    const [first] = await producer.waitForLogIds(user, 1);
    const proxy = await RecordingProxy.start(notifier.baseUrl);
    closeAfterTest(() => proxy.close());
    const token = notifier.tokenFor(user);
    const recorded = clientOf(user, { baseUrl: proxy.baseUrl, token });
    await recorded.client.start();
    await waitFor(() => recorded.client.status === 'open', 'the stream to open');
    await producer.notify(user, { n: 2 });
    const [, second] = await producer.waitForLogIds(user, 2);
    await waitFor(() => recorded.notifications.length === 1, 'the live notification');

    // Another stream of the user ends this one (one per user here): the client comes back.
    (await notifier.stream(user)).close();
    await waitFor(() => proxy.requestsTo('/users/me/events').length === 2, 'the reconnect');
    await waitForAsync(
      async () => (await openConnections(user)).length === 1,
      'the client’s stream again',
    );
    const streams = proxy.requestsTo('/users/me/events');
    expect(streams.map((seen) => seen.headers['last-event-id'])).toEqual([first, second]);
    expect(proxy.requests.length).toBeGreaterThan(streams.length);
    for (const seen of proxy.requests) {
      expect(seen.headers.authorization).toBe(`Bearer ${token}`);
      expect(seen.url).not.toContain(token.split('.')[2]);
      expect(seen.url).not.toContain('access_token');
    }
  });

  it('backs off through 5xx answers of an edge, then resumes where it was', async () => {
    const user = uniqueUser();
    const proxy = await RecordingProxy.start(notifier.baseUrl);
    closeAfterTest(() => proxy.close());
    const recorded = clientOf(user, { baseUrl: proxy.baseUrl });
    await recorded.client.start();
    await waitFor(() => recorded.client.status === 'open', 'the stream to open');
    await producer.notify(user, { n: 1 });
    const [first] = await producer.waitForLogIds(user, 1);
    await waitFor(() => recorded.notifications.length === 1, 'the live notification');

    // The stream ends (another of the user's replaces it); the edge answers 503 three times.
    proxy.answer('/users/me/events', 503, 3);
    (await notifier.stream(user)).close();
    await waitFor(() => proxy.requestsTo('/users/me/events').length === 5, 'four reconnects');
    await waitForAsync(
      async () => (await openConnections(user)).length === 1,
      'the client’s stream again',
    );
    const reconnects = proxy.requestsTo('/users/me/events').slice(1);
    expect(reconnects.map((seen) => seen.headers['last-event-id'])).toEqual([
      first,
      first,
      first,
      first,
    ]);
    await producer.notify(user, { n: 2 });
    const [, second] = await producer.waitForLogIds(user, 2);
    await waitFor(() => recorded.notifications.length === 2, 'the next live notification');
    expect(recorded.ids).toEqual([first, second]);
  });

  it('keeps the unread count in step with reads made anywhere', async () => {
    const user = uniqueUser();
    for (let n = 0; n < 3; n++) await producer.notify(user, { n });
    const ids = await producer.waitForLogIds(user, 3);
    const recorded = clientOf(user);
    await recorded.client.start();
    expect(recorded.unread).toBe(3);
    await waitFor(() => recorded.client.status === 'open', 'the stream to open');

    await producer.notify(user, { n: 3 });
    await waitFor(() => recorded.unread === 4, 'a new notification to count');

    // Read in another tab or device: the stream's `event: read` brings it here.
    await notifier.http('POST', `/users/me/notifications/${ids[0]}/read`, { as: user });
    await waitFor(() => recorded.unread === 3, 'the read elsewhere to count');
    expect(recorded.reads).toEqual([{ ids: [ids[0]] }]);

    // Counted at once, and once only, whether the stream's echo comes before or after.
    await recorded.client.markRead(ids[1]);
    expect(recorded.unread).toBe(2);
    expect(recorded.reads).toContainEqual({ ids: [ids[1]] });

    await recorded.client.markAllRead();
    expect(recorded.unread).toBe(0);
    expect(
      (await notifier.http('GET', '/users/me/notifications/unread-count', { as: user })).body,
    ).toEqual({ count: 0 });
  });

  it('stops for good when an admin closes the stream (404), and does not come back', async () => {
    const user = uniqueUser();
    const recorded = clientOf(user);
    await recorded.client.start();
    await waitFor(() => recorded.client.status === 'open', 'the stream to open');

    await notifier.http('DELETE', `/admin/users/${user}/stream`, { as: 'admin' });
    await waitFor(() => recorded.client.status === 'closed-for-good', 'the client to give up');
    expect(recorded.client.closedReason).toBe('stream-closed');
    expect(recorded.statuses.at(-1)).toEqual(['closed-for-good', 'stream-closed']);

    await notifier.http('PUT', `/admin/users/${user}/stream`, { as: 'admin' });
    await sleep(500); // ample for a retry of 100 ms: a client that came back would be seen
    expect(await openConnections(user)).toEqual([]);
    expect(recorded.statuses.at(-1)?.[0]).toBe('closed-for-good');
  });

  it('tells the app to sign in again when the stream refuses its token (401)', async () => {
    const user = uniqueUser();
    const shortLived = signToken({ sub: user }, { expiresIn: '2s' });
    const recorded = clientOf(user, { token: shortLived });
    await recorded.client.start();
    await waitFor(() => recorded.client.status === 'open', 'the stream to open');
    await sleep(2_100);

    // A stream of the same user ends this one (one per user here): the client reconnects
    // with the expired token and is refused.
    const other = await notifier.stream(user);
    await waitFor(() => recorded.client.status === 'closed-for-good', 'the client to give up');
    other.close();
    expect(recorded.client.closedReason).toBe('unauthorized');
  });

  it('reconnects with a fresh token from its provider when the stream’s token expires, losing nothing', async () => {
    const user = uniqueUser();
    let issued = 0;
    const provider = () => {
      issued++;
      return signToken({ sub: user }, { expiresIn: 2 });
    };
    const recorded = clientOf(user, { token: provider, userId: user });
    await recorded.client.start();
    await waitFor(() => recorded.client.status === 'open', 'the stream to open');
    const streamsBefore = issued;
    await producer.notify(user, { n: 1 });
    await waitFor(() => recorded.notifications.length === 1, 'the first notification');

    // The server ends the stream at its token's expiry; the client comes back with a new one.
    await waitFor(() => issued > streamsBefore, 'a fresh token for the reconnect', 10_000);
    await producer.notify(user, { n: 2 });
    const expected = await producer.waitForLogIds(user, 2);
    await waitFor(() => recorded.notifications.length === 2, 'the second notification', 10_000);
    expect(recorded.ids).toEqual(expected);
    expect(recorded.client.status).toBe('open');
  });

  it('reads and replaces the user’s preferences, and says which field a refused one breaks', async () => {
    const { client } = clientOf(uniqueUser());
    expect(await client.preferences()).toEqual({ push: { mutedTypes: [] } });
    expect(await client.setPreferences({ push: { mutedTypes: ['chat.*', 'chat.*'] } })).toEqual({
      push: { mutedTypes: ['chat.*'] },
    });
    expect(await client.preferences()).toEqual({ push: { mutedTypes: ['chat.*'] } });

    const refused = client.setPreferences({ push: { mutedTypes: ['not a type'] } });
    await expect(refused).rejects.toBeInstanceOf(NotifierApiError);
    await expect(refused).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('push.mutedTypes') as string,
    });
  });

  it('refuses to start with a bad token and says why', async () => {
    const recorded = clientOf(uniqueUser(), { token: 'not-a-jwt' });
    const refusal = recorded.client.start();
    await expect(refusal).rejects.toBeInstanceOf(NotifierApiError);
    await expect(refusal).rejects.toMatchObject({ status: 401 });
    expect(recorded.statuses).toEqual([['closed-for-good', 'unauthorized']]);
  });

  it('shares one stream between clients of one user (tabs), and hands over without loss', async () => {
    const user = uniqueUser();
    const items = new Map<string, string>();
    const storage = storageIn(items);
    const tabs = [clientOf(user, { storage, shareAcrossTabs: true })];
    await tabs[0].client.start();
    await waitFor(() => tabs[0].client.status === 'open', 'the first tab to lead');
    tabs.push(clientOf(user, { storage, shareAcrossTabs: true }));
    await tabs[1].client.start();
    await waitFor(() => tabs[1].client.status === 'open', 'the second tab to follow');

    await producer.notify(user, { n: 1 });
    await waitFor(() => tabs.every((tab) => tab.notifications.length === 1), 'both tabs');
    expect(await openConnections(user)).toHaveLength(1);

    tabs[0].client.stop();
    await producer.notify(user, { n: 2 });
    await producer.notify(user, { n: 3 });
    const ids = await producer.waitForLogIds(user, 3);
    await waitFor(() => tabs[1].notifications.length === 3, 'the second tab to take over');
    expect(tabs[1].ids).toEqual(ids);
    await waitForAsync(
      async () => (await openConnections(user)).length === 1,
      'one stream, the new leader’s',
    );
  });
});
