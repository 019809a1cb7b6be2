import { createECDH } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { closeAfterTest } from './support/leak-check';
import { LocalPushService, PushReceiver } from './support/local-push-service';
import { useDatabase } from './support/notifier-fixture';
import type { ServiceInstance } from './support/service-process';
import { SseRecording } from './support/sse-client';
import { TEST_ADMIN_TOKEN, tokenFor } from './support/tokens';
import { uniqueUser } from './support/users';
import { sleep, waitFor, waitForAsync } from './support/wait-for';

/** Two service processes start and one is killed; every wait inside is bounded. */
jest.setTimeout(90_000);

const PUSH_DELAY_MS = 1500;
/** Long enough for the worker to have pushed anything it was going to. */
const SETTLE_MS = PUSH_DELAY_MS + 2000;

/** A plain TCP service on 127.0.0.1 that counts who connects to it. */
class InternalService {
  connections = 0;
  private readonly server: Server = createServer((socket: Socket) => {
    this.connections++;
    socket.destroy();
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('Web Push through a real (local) push service', () => {
  const { producer, startService } = useDatabase();
  let push: LocalPushService;
  /** An internal service on 127.0.0.1 that no push may ever reach. */
  const internal = new InternalService();
  let instances: ServiceInstance[] = [];
  const vapid = createECDH('prime256v1');
  vapid.generateKeys();
  const vapidPublicKey = vapid.getPublicKey('base64url', 'uncompressed');
  let env: Record<string, string>;

  beforeAll(async () => {
    push = await LocalPushService.start(vapidPublicKey);
    await internal.start();
    env = {
      NODE_EXTRA_CA_CERTS: push.caFile,
      PUSH_DELAY_MS: String(PUSH_DELAY_MS),
      PUSH_ENDPOINT_HOSTS: `${push.host}, *.push.example.net`,
      VAPID_PUBLIC_KEY: vapidPublicKey,
      VAPID_PRIVATE_KEY: vapid.getPrivateKey('base64url'),
      VAPID_SUBJECT: 'mailto:ops@notifier.test',
    };
    instances = await Promise.all([startService(env), startService(env)]);
    await waitFor(() => instances.some((instance) => instance.believesItLeads), 'a leader');
  });
  afterAll(async () => {
    await internal.close();
    await push?.close();
    await rm(push?.caFile ?? '', { force: true });
  });

  const alive = () => instances.filter((instance) => instance.process.exitCode === undefined);
  const leader = () => {
    const [found] = alive().filter((instance) => instance.believesItLeads);
    if (!found) throw new Error('no instance leads');
    return found;
  };
  const follower = () => alive().find((instance) => !instance.believesItLeads) ?? leader();

  async function call(
    instance: ServiceInstance,
    method: string,
    path: string,
    as: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(`${instance.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${as === 'admin' ? TEST_ADMIN_TOKEN : tokenFor(as)}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** A user whose browser subscribed, through a follower (any instance takes it). */
  async function subscribedUser(): Promise<{ user: string; browser: PushReceiver }> {
    const user = uniqueUser();
    const browser = push.receiver();
    const answer = await call(
      follower(),
      'POST',
      '/users/me/push-subscriptions',
      user,
      browser.subscription,
    );
    expect(answer.status).toBe(201);
    return { user, browser };
  }

  const storedAt = async (id: string) =>
    (
      await producer.pool.query('SELECT stored_at FROM notifications WHERE id = $1', [id])
    ).rows[0].stored_at.getTime() as number;
  const delivery = async (id: string) =>
    (
      await producer.pool.query<{ state: string; attempts: number }>(
        'SELECT state, attempts FROM push_deliveries WHERE notification_id = $1',
        [id],
      )
    ).rows;

  it('pushes to a user with no open stream, encrypted, with VAPID, the stream’s JSON, PUSH_DELAY_MS after the append', async () => {
    const { user, browser } = await subscribedUser();
    await producer.notify(user, { text: 'Your order has shipped' }, 'order.shipped');
    const [id] = await producer.waitForLogIds(user, 1);

    await waitFor(() => push.pushesTo(browser).length === 1, 'the push', 10_000);
    const [received] = push.pushesTo(browser);
    expect(push.rejected).toEqual([]);
    expect(JSON.parse(received.body)).toEqual({
      id,
      type: 'order.shipped',
      payload: { text: 'Your order has shipped' },
      createdAt: expect.stringMatching(/Z$/) as string,
      readAt: null,
      deliveredAt: null,
      batched: 1,
    });
    expect(received.vapidClaims).toMatchObject({
      aud: push.origin,
      sub: 'mailto:ops@notifier.test',
    });
    expect(received.headers.topic).toBe(id);
    const waited = received.receivedAt - (await storedAt(id));
    expect(waited).toBeGreaterThanOrEqual(PUSH_DELAY_MS - 50);
    expect(waited).toBeLessThanOrEqual(PUSH_DELAY_MS + 1000);

    await waitForAsync(async () => (await delivery(id))[0]?.state === 'sent', 'the sent state');
    const metrics = await (await fetch(`${leader().baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^notifier_pushes_sent_total [1-9]/m);
    expect(metrics).toMatch(/^notifier_push_latency_seconds_count [1-9]/m);
  });

  it('pushes nothing to a user whose open stream was sent the notification, and sets deliveredAt', async () => {
    const { user, browser } = await subscribedUser();
    const stream = await SseRecording.open(`${follower().baseUrl}/users/me/events`, {
      Authorization: `Bearer ${tokenFor(user)}`,
    });
    closeAfterTest(() => stream.close());
    await waitFor(() => stream.retry !== undefined, 'the stream to open');
    await producer.notify(user, { text: 'seen live' });
    const [event] = await stream.waitForMessages(1);

    await waitForAsync(
      async () =>
        (await call(follower(), 'GET', `/admin/notifications/${event.id}`, 'admin')).body
          .deliveredAt !== null,
      'deliveredAt',
    );
    await sleep(SETTLE_MS);
    expect(push.pushesTo(browser)).toEqual([]);
    expect(await delivery(event.id ?? '')).toEqual([]);
  });

  it('pushes nothing for a notification read before PUSH_DELAY_MS', async () => {
    const { user, browser } = await subscribedUser();
    await producer.notify(user);
    const [id] = await producer.waitForLogIds(user, 1);
    expect(
      (await call(follower(), 'POST', `/users/me/notifications/${id}/read`, user)).status,
    ).toBe(204);
    const { rows } = await producer.pool.query(
      "SELECT read_at - stored_at < $2 * interval '1 ms' AS early FROM notifications WHERE id = $1",
      [id, PUSH_DELAY_MS],
    );
    expect(rows[0].early).toBe(true);

    await sleep(SETTLE_MS);
    expect(push.pushesTo(browser)).toEqual([]);
  });

  it('deletes a subscription whose push service answers 410', async () => {
    const { user, browser } = await subscribedUser();
    push.answer(browser, 410);
    await producer.notify(user);
    await waitFor(() => push.pushesTo(browser).length === 1, 'the push', 10_000);
    await waitForAsync(
      async () =>
        (await call(follower(), 'GET', `/admin/users/${user}/push-subscriptions`, 'admin')).body
          .length === 0,
      'the subscription to go',
    );
    const metrics = await (await fetch(`${leader().baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^notifier_push_subscriptions_removed_total [1-9]/m);
  });

  it('retries a 500 and delivers once when the next try gets 201', async () => {
    const { user, browser } = await subscribedUser();
    push.answer(browser, 500, 201);
    await producer.notify(user, { text: 'second time lucky' });
    const [id] = await producer.waitForLogIds(user, 1);
    await waitFor(() => push.pushesTo(browser).length === 2, 'the retry', 15_000);
    await sleep(SETTLE_MS);
    const pushes = push.pushesTo(browser);
    expect(pushes.map((received) => received.status)).toEqual([500, 201]);
    expect(pushes.map((received) => (JSON.parse(received.body) as { id: string }).id)).toEqual([
      id,
      id,
    ]);
    expect(await delivery(id)).toEqual([{ state: 'sent', attempts: 2 }]);
  });

  it('waits as long as Retry-After says before trying again', async () => {
    const { user, browser } = await subscribedUser();
    push.answer(browser, { status: 429, headers: { 'Retry-After': '3' } }, 201);
    await producer.notify(user);
    await waitFor(() => push.pushesTo(browser).length === 2, 'the retry', 15_000);
    const [first, second] = push.pushesTo(browser);
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(3000);
  });

  it('stops retrying a notification that is read before the next try', async () => {
    const { user, browser } = await subscribedUser();
    push.answer(browser, { status: 429, headers: { 'Retry-After': '3' } });
    await producer.notify(user);
    const [id] = await producer.waitForLogIds(user, 1);
    await waitFor(() => push.pushesTo(browser).length === 1, 'the first try', 10_000);
    expect(
      (await call(follower(), 'POST', `/users/me/notifications/${id}/read`, user)).status,
    ).toBe(204);
    await waitForAsync(
      async () => (await delivery(id))[0]?.state === 'failed',
      'the retry to stop',
    );
    await sleep(SETTLE_MS);
    expect(push.pushesTo(browser)).toHaveLength(1);
  });

  it('does not follow a redirect: a 3xx is a failure, and nothing reaches the Location', async () => {
    const { user, browser } = await subscribedUser();
    const elsewhere = push.receiver();
    push.answer(browser, {
      status: 307,
      headers: { Location: elsewhere.subscription.endpoint },
    });
    await producer.notify(user);
    const [id] = await producer.waitForLogIds(user, 1);
    await waitForAsync(async () => (await delivery(id))[0]?.state === 'failed', 'the failure');
    await sleep(SETTLE_MS);
    expect(push.pushesTo(browser)).toHaveLength(1);
    expect(push.pushesTo(elsewhere)).toEqual([]);
  });

  it('does not follow a redirect to an internal host either', async () => {
    const { user, browser } = await subscribedUser();
    push.answer(browser, {
      status: 308,
      headers: { Location: `https://127.0.0.1:${internal.port}/push/x` },
    });
    await producer.notify(user);
    const [id] = await producer.waitForLogIds(user, 1);
    await waitForAsync(async () => (await delivery(id))[0]?.state === 'failed', 'the failure');
    expect(push.pushesTo(browser)).toHaveLength(1);
    expect(internal.connections).toBe(0);
  });

  it('never sends to an endpoint stored before the canonical-form rule that url.parse reads as 127.0.0.1', async () => {
    const user = uniqueUser();
    const { keys } = push.receiver().subscription;
    // What an earlier version accepted: the WHATWG reading is a subdomain of an allowed
    // entry, Node's legacy url.parse reading is 127.0.0.1 (port 443).
    await producer.pool.query(
      `INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth) VALUES ($1, $2, $3, $4)`,
      ['https://127.0.0.1;.push.example.net/x', user, keys.p256dh, keys.auth],
    );
    await producer.notify(user);
    const [id] = await producer.waitForLogIds(user, 1);
    await waitForAsync(async () => (await delivery(id)).length === 1, 'the push to fall due');
    await sleep(SETTLE_MS);
    const { rows } = await producer.pool.query<{ state: string; lastError: string }>(
      `SELECT state, attempts, last_error AS "lastError" FROM push_deliveries
       WHERE notification_id = $1`,
      [id],
    );
    expect(rows).toEqual([
      { state: 'failed', attempts: 1, lastError: 'endpoint refused: host-not-plain' },
    ]);
  });

  interface PushedJson {
    id: string;
    type: string;
    payload: { text: string };
    batched: number;
  }
  const bodies = (browser: PushReceiver) =>
    push.pushesTo(browser).map((received) => JSON.parse(received.body) as PushedJson);
  const sentDeliveries = async (user: string) =>
    (
      await producer.pool.query<{ id: string; state: string }>(
        `SELECT d.notification_id::text AS id, d.state FROM push_deliveries d
         JOIN notifications n ON n.id = d.notification_id WHERE n.user_id = $1 ORDER BY n.id`,
        [user],
      )
    ).rows;

  it('pushes a burst as one: five quick notifications are one push with batched 5 and the newest’s JSON', async () => {
    const { user, browser } = await subscribedUser();
    for (let n = 1; n <= 5; n++) {
      await producer.notify(user, { text: `message ${n}` }, 'chat.message');
      await sleep(100);
    }
    const ids = await producer.waitForLogIds(user, 5);
    await waitFor(() => push.pushesTo(browser).length === 1, 'the push', 10_000);
    await sleep(SETTLE_MS);

    expect(bodies(browser)).toEqual([
      {
        id: ids[4],
        type: 'chat.message',
        payload: { text: 'message 5' },
        createdAt: expect.stringMatching(/Z$/) as string,
        readAt: null,
        deliveredAt: null,
        batched: 5,
      },
    ]);
    // Each notification counts as pushed, once.
    expect(await sentDeliveries(user)).toEqual(ids.map((id) => ({ id, state: 'sent' })));

    await producer.notify(user, { text: 'a while later' }, 'chat.message');
    await waitFor(() => push.pushesTo(browser).length === 2, 'the next push', 10_000);
    await sleep(SETTLE_MS);
    expect(bodies(browser).map(({ payload, batched }) => [payload.text, batched])).toEqual([
      ['message 5', 5],
      ['a while later', 1],
    ]);
  });

  it('adds what falls due while a push waits for its retry to that retry: one push for both', async () => {
    const { user, browser } = await subscribedUser();
    push.answer(browser, { status: 429, headers: { 'Retry-After': '3' } }, 201);
    await producer.notify(user, { text: 'first' });
    await waitFor(() => push.pushesTo(browser).length === 1, 'the refused push', 10_000);
    await producer.notify(user, { text: 'while the retry waits' });
    const ids = await producer.waitForLogIds(user, 2);
    await waitFor(() => push.pushesTo(browser).length === 2, 'the retry', 15_000);
    await sleep(SETTLE_MS);

    expect(bodies(browser).map(({ payload, batched }) => [payload.text, batched])).toEqual([
      ['first', 1],
      ['while the retry waits', 2],
    ]);
    expect(push.pushesTo(browser).map((received) => received.headers.topic)).toEqual([
      ids[0],
      ids[0],
    ]);
    expect(await sentDeliveries(user)).toEqual(ids.map((id) => ({ id, state: 'sent' })));
  });

  it('counts in batched only the unread notifications of the burst', async () => {
    const { user, browser } = await subscribedUser();
    await producer.notify(user, { text: 'read at once' });
    const [read] = await producer.waitForLogIds(user, 1);
    expect(
      (await call(follower(), 'POST', `/users/me/notifications/${read}/read`, user)).status,
    ).toBe(204);
    await producer.notify(user, { text: 'unread 1' });
    await producer.notify(user, { text: 'unread 2' });
    await waitFor(() => push.pushesTo(browser).length === 1, 'the push', 10_000);
    await sleep(SETTLE_MS);
    expect(bodies(browser).map(({ payload, batched }) => [payload.text, batched])).toEqual([
      ['unread 2', 2],
    ]);
  });

  it('never pushes a type the user muted, and pushes the others', async () => {
    const { user, browser } = await subscribedUser();
    const muted = await call(follower(), 'PUT', '/users/me/preferences', user, {
      push: { mutedTypes: ['chat.*', 'digest'] },
    });
    expect(muted.status).toBe(200);
    await producer.notify(user, { text: 'muted by prefix' }, 'chat.message');
    await producer.notify(user, { text: 'muted exactly' }, 'digest');
    await producer.notify(user, { text: 'not muted' }, 'order.shipped');
    await producer.notify(user, { text: 'not the prefix' }, 'chatter');
    await producer.notify(user, { text: 'muted too' }, 'chat.typing');
    await waitFor(() => push.pushesTo(browser).length === 1, 'the push', 10_000);
    await sleep(SETTLE_MS);
    expect(bodies(browser).map(({ payload, batched }) => [payload.text, batched])).toEqual([
      ['not the prefix', 2],
    ]);
    // Muting is for push only: the inbox still holds all five.
    expect(
      (await call(follower(), 'GET', '/users/me/notifications', user)).body.items,
    ).toHaveLength(5);
  });

  it('applies the preferences of the moment a notification falls due, not of its append', async () => {
    const { user, browser } = await subscribedUser();
    const mute = (mutedTypes: string[]) =>
      call(follower(), 'PUT', '/users/me/preferences', user, { push: { mutedTypes } });
    await mute(['later.muted']);
    await producer.notify(user, { text: 'unmuted before due' }, 'later.muted');
    await producer.notify(user, { text: 'muted before due' }, 'later.unmuted');
    await producer.waitForLogIds(user, 2);
    expect((await mute(['later.unmuted'])).status).toBe(200);

    await waitFor(() => push.pushesTo(browser).length === 1, 'the push', 10_000);
    await sleep(SETTLE_MS);
    expect(bodies(browser).map(({ payload, batched }) => [payload.text, batched])).toEqual([
      ['unmuted before due', 1],
    ]);
  });

  it('pushes each notification of a burst split by a leader change once', async () => {
    const { user, browser } = await subscribedUser();
    const killed = leader();
    for (let n = 1; n <= 3; n++) await producer.notify(user, { text: `before ${n}` });
    await waitFor(() => push.pushesTo(browser).length === 1, 'the first push', 10_000);

    for (let n = 1; n <= 2; n++) await producer.notify(user, { text: `after ${n}` });
    await killed.process.stop('SIGKILL');
    // Another instance stands by again, for the tests that follow.
    instances.push(await startService(env));
    await waitFor(
      () => alive().some((instance) => instance.believesItLeads),
      'a new leader',
      15_000,
    );
    const ids = await producer.waitForLogIds(user, 5);
    await waitForAsync(
      async () => (await sentDeliveries(user)).length === 5,
      'every notification pushed',
      15_000,
    );
    await sleep(SETTLE_MS);

    expect(await sentDeliveries(user)).toEqual(ids.map((id) => ({ id, state: 'sent' })));
    const pushed = bodies(browser);
    expect(pushed.reduce((sum, body) => sum + body.batched, 0)).toBe(5);
    expect(pushed.map((body) => body.id)).toEqual(expect.arrayContaining([ids[4]]));
    expect(new Set(pushed.map((body) => body.id)).size).toBe(pushed.length);
    expect(push.rejected).toEqual([]);
  });

  it('never pushes twice when the leader is killed while its push is under way', async () => {
    const { user, browser } = await subscribedUser();
    push.answer(browser, 'hang');
    const killed = leader();
    await producer.notify(user, { text: 'once only' });
    const [id] = await producer.waitForLogIds(user, 1);
    await waitFor(() => push.pushesTo(browser).length === 1, 'the push to be under way', 10_000);

    await killed.process.stop('SIGKILL');
    await waitFor(
      () => alive().some((instance) => instance.believesItLeads),
      'a new leader',
      15_000,
    );
    expect(leader()).not.toBe(killed);

    // The new leader pushes what comes next, to this browser too...
    await producer.notify(user, { text: 'after the failover' });
    await waitFor(() => push.pushesTo(browser).length === 2, 'the next push', 15_000);
    await sleep(SETTLE_MS);
    // ...but not the claim the dead leader was sending.
    const bodies = push
      .pushesTo(browser)
      .map((received) => (JSON.parse(received.body) as { payload: { text: string } }).payload.text);
    expect(bodies).toEqual(['once only', 'after the failover']);
    expect((await delivery(id))[0].state).toBe('sending');
  });
});
