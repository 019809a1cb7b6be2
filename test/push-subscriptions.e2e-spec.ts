import { createECDH, randomBytes } from 'node:crypto';
import { useNotifier } from './support/notifier-fixture';
import { uniqueUser } from './support/users';

/** A browser's subscription keys: a P-256 public key and a 16-byte secret. */
function browserKeys(): { p256dh: string; auth: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    p256dh: ecdh.getPublicKey('base64url', 'uncompressed'),
    auth: randomBytes(16).toString('base64url'),
  };
}

const endpoint = () => `https://push.example.com/send/${randomBytes(8).toString('hex')}`;

describe('Web Push subscriptions', () => {
  const { notifier } = useNotifier({
    env: { PUSH_ENDPOINT_HOSTS: 'push.example.com, *.push.example.net, localhost:8443' },
  });

  const subscribe = (user: string, body: unknown) =>
    notifier.http('POST', '/users/me/push-subscriptions', { as: user, body });
  const listed = async (user: string): Promise<string[]> => {
    const answer = await notifier.http<{ endpoint: string }[]>(
      'GET',
      `/admin/users/${user}/push-subscriptions`,
      { as: 'admin' },
    );
    expect(answer.status).toBe(200);
    return answer.body.map((subscription) => subscription.endpoint);
  };

  it('hands out the VAPID public key to signed-in users', async () => {
    const answer = await notifier.http('GET', '/users/me/push-subscriptions/key', {
      as: uniqueUser(),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ publicKey: notifier.config.push.vapid?.publicKey });
    expect(Buffer.from(answer.body.publicKey, 'base64url')).toHaveLength(65);
    expect((await notifier.http('GET', '/users/me/push-subscriptions/key')).status).toBe(401);
  });

  it('registers a browser’s PushSubscription.toJSON() with 201, idempotent per endpoint, and forgets it with 204', async () => {
    const user = uniqueUser();
    const subscription = { endpoint: endpoint(), expirationTime: null, keys: browserKeys() };
    expect((await subscribe(user, subscription)).status).toBe(201);
    expect((await subscribe(user, subscription)).status).toBe(201);
    expect(await listed(user)).toEqual([subscription.endpoint]);

    const removed = await notifier.http('DELETE', '/users/me/push-subscriptions', {
      as: user,
      body: { endpoint: subscription.endpoint },
    });
    expect(removed.status).toBe(204);
    expect(await listed(user)).toEqual([]);
    const again = await notifier.http('DELETE', '/users/me/push-subscriptions', {
      as: user,
      body: { endpoint: subscription.endpoint },
    });
    expect(again.status).toBe(204);
  });

  it('lets nobody remove another user’s subscription', async () => {
    const [owner, other] = [uniqueUser('owner'), uniqueUser('other')];
    const subscription = { endpoint: endpoint(), keys: browserKeys() };
    await subscribe(owner, subscription);
    await notifier.http('DELETE', '/users/me/push-subscriptions', {
      as: other,
      body: { endpoint: subscription.endpoint },
    });
    expect(await listed(owner)).toEqual([subscription.endpoint]);
  });

  it('moves an endpoint to the user who registered it last (one browser profile, a new user)', async () => {
    const [first, second] = [uniqueUser('first'), uniqueUser('second')];
    const subscription = { endpoint: endpoint(), keys: browserKeys() };
    await subscribe(first, subscription);
    expect((await subscribe(second, subscription)).status).toBe(201);
    expect(await listed(first)).toEqual([]);
    expect(await listed(second)).toEqual([subscription.endpoint]);
  });

  it('keeps a user’s 20 newest subscriptions: the 21st replaces the oldest', async () => {
    const user = uniqueUser();
    const endpoints = Array.from({ length: 21 }, endpoint);
    for (const url of endpoints) {
      expect((await subscribe(user, { endpoint: url, keys: browserKeys() })).status).toBe(201);
    }
    const kept = await listed(user);
    expect(kept).toHaveLength(20);
    expect(kept).not.toContain(endpoints[0]);
    expect(kept).toContain(endpoints[20]);
  });

  it('accepts subdomains of a *. entry and a port named by its entry', async () => {
    const user = uniqueUser();
    for (const url of ['https://eu.push.example.net/a', 'https://localhost:8443/push/a']) {
      expect((await subscribe(user, { endpoint: url, keys: browserKeys() })).status).toBe(201);
    }
  });

  const onCurveButBroken = () => {
    const point = Buffer.from(browserKeys().p256dh, 'base64url');
    point[64] ^= 1; // no longer on the curve
    return point.toString('base64url');
  };

  const HOST_REFUSED = /^endpoint must be on a push service host/;
  /** A body with this endpoint and the browser's keys. */
  const onEndpoint = (url: string) => (keys: { p256dh: string; auth: string }) => ({
    endpoint: url,
    keys,
  });

  it.each<[string, (keys: { p256dh: string; auth: string }) => unknown, RegExp]>([
    [
      'an http: endpoint',
      onEndpoint('http://push.example.com/x'),
      /^endpoint must be an https: URL$/,
    ],
    [
      'an endpoint on a host not allowed',
      onEndpoint('https://evil.example.org/x'),
      /^endpoint must be on a push service host that PUSH_ENDPOINT_HOSTS allows$/,
    ],
    ['an endpoint on 127.0.0.1', onEndpoint('https://127.0.0.1/x'), HOST_REFUSED],
    ['an endpoint on an internal address by name', onEndpoint('https://localhost/x'), HOST_REFUSED],
    ['the bare domain of a *. entry', onEndpoint('https://push.example.net/x'), HOST_REFUSED],
    [
      'an allowed host on another port',
      onEndpoint('https://push.example.com:8080/x'),
      HOST_REFUSED,
    ],
    ['credentials in the endpoint', onEndpoint('https://me:pw@push.example.com/x'), HOST_REFUSED],
    [
      'an endpoint over 1,000 characters',
      onEndpoint(`https://push.example.com/${'x'.repeat(1000)}`),
      /^endpoint must be shorter than or equal to 1000 characters$/,
    ],
    ['no endpoint', (keys) => ({ keys }), /^endpoint must be a string$/],
    ['no keys', () => ({ endpoint: endpoint() }), /^keys should not be null or undefined$/],
    [
      'a p256dh off the curve',
      ({ auth }) => ({ endpoint: endpoint(), keys: { auth, p256dh: onCurveButBroken() } }),
      /^keys\.p256dh must be a P-256 public key/,
    ],
    [
      'a p256dh of 33 bytes (compressed)',
      ({ auth }) => ({
        endpoint: endpoint(),
        keys: { auth, p256dh: randomBytes(33).toString('base64url') },
      }),
      /^keys\.p256dh must be a P-256 public key/,
    ],
    [
      'a p256dh that is not base64url',
      ({ auth }) => ({ endpoint: endpoint(), keys: { auth, p256dh: '%%%' } }),
      /^keys\.p256dh must be a P-256 public key/,
    ],
    [
      'an auth secret of 15 bytes',
      ({ p256dh }) => ({
        endpoint: endpoint(),
        keys: { p256dh, auth: randomBytes(15).toString('base64url') },
      }),
      /^keys\.auth must be 16 bytes, base64url$/,
    ],
  ])('answers 400 naming the field for %s', async (_, body, message) => {
    const user = uniqueUser();
    const answer = await subscribe(user, body(browserKeys()));
    expect(answer.status).toBe(400);
    expect(answer.body.message).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    expect(await listed(user)).toEqual([]);
  });

  /**
   * Hosts that Node's legacy `url.parse` (which `web-push` sent with) reads as 127.0.0.1 while
   * the WHATWG parser reads a subdomain of an allowed entry; and other spellings whose
   * canonical form differs from what was given.
   */
  it.each([
    ['a semicolon', 'https://127.0.0.1;.push.example.net/x'],
    ['a double quote', 'https://127.0.0.1".push.example.net/x'],
    ['a single quote', "https://127.0.0.1'.push.example.net/x"],
    ['a backtick', 'https://127.0.0.1`.push.example.net/x'],
    ['an opening brace', 'https://127.0.0.1{.push.example.net/x'],
    ['a closing brace', 'https://127.0.0.1}.push.example.net/x'],
    ['an encoded dot', 'https://127.0.0.1%2e.push.example.net/x'],
    ['an ideographic full stop', 'https://127.0.0.1\u3002push.example.net/x'],
    ['a backslash before userinfo', 'https://eu.push.example.net\\@127.0.0.1/x'],
    ['a tab in the host', 'https://127.0.0.1\t.push.example.net/x'],
    ['an underscore in the host', 'https://a_b.push.example.net/x'],
    ['an upper-case host', 'https://EU.push.example.net/x'],
    ['the default port written out', 'https://push.example.com:443/x'],
    ['no slashes after the scheme', 'https:push.example.com/x'],
    ['a hexadecimal IPv4 address', 'https://0x7f.1/x'],
  ])('refuses an endpoint with %s (400 naming endpoint) and stores nothing', async (_, url) => {
    const user = uniqueUser();
    const answer = await subscribe(user, { endpoint: url, keys: browserKeys() });
    expect([answer.status, answer.body.message]).toEqual([
      400,
      [expect.stringMatching(/^endpoint /)],
    ]);
    expect(await listed(user)).toEqual([]);
  });

  it('describes the endpoints and deliveredAt in the OpenAPI document', async () => {
    const { body } = await notifier.http('GET', '/docs-json');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/users/me/push-subscriptions/key',
        '/users/me/push-subscriptions',
        '/admin/users/{userId}/push-subscriptions',
      ]),
    );
    expect(body.components.schemas.NotificationDto.properties.deliveredAt).toMatchObject({
      type: 'string',
      nullable: true,
    });
  });
});

describe('Web Push in production without VAPID keys', () => {
  const { notifier } = useNotifier({ env: { NODE_ENV: 'production' } });

  it('is off: the key and the subscriptions answer 404, saying why', async () => {
    const user = uniqueUser();
    const key = await notifier.http('GET', '/users/me/push-subscriptions/key', { as: user });
    expect(key.status).toBe(404);
    expect(key.body.message).toMatch(/VAPID/);
    const subscribe = await notifier.http('POST', '/users/me/push-subscriptions', {
      as: user,
      body: { endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: browserKeys() },
    });
    expect(subscribe.status).toBe(404);
  });
});
