import { CHANNELS } from '@app/postgres-objects';
import { healthStatus } from '../support/database-faults';
import { freePort } from '../support/free-port';
import { useNotifier } from '../support/notifier-fixture';
import { NotifierProcess } from '../support/notifier-process';
import { rawGet, rawRequest } from '../support/raw-http';
import { signToken, TEST_ADMIN_TOKEN, TEST_JWT_SECRET } from '../support/tokens';
import { uniqueUser } from '../support/users';
import { sleep, waitForAsync } from '../support/wait-for';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const INVALID_UTF8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]);
const HUGE = 'a'.repeat(64 * 1024);

/** Tokens the header-borne cases of stream.e2e-spec.ts refuse, sent by the other two channels. */
const hostileTokens: [string, string][] = [
  ['alg none', `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'u' })}.`],
  ['alg NONE', `${base64url({ alg: 'NONE', typ: 'JWT' })}.${base64url({ sub: 'u' })}.`],
  ['HS512 instead of HS256', signToken({ sub: 'u' }, { algorithm: 'HS512' })],
  ['no sub', signToken({ name: 'u' })],
  ['expired', signToken({ sub: 'u', exp: now() - 60 })],
  ['nbf in the future', signToken({ sub: 'u', nbf: now() + 3600 })],
  ['a signature stripped', `${signToken({ sub: 'u' })}`.replace(/\.[^.]*$/, '.')],
];

describe('hostile requests on every entry point', () => {
  const { notifier, producer, database, startNotifier } = useNotifier();
  let bearer: string;

  const send = (path: string | Buffer, headers: [string, string | Buffer][] = []) =>
    rawRequest(notifier.baseUrl, rawGet(path, headers));
  const asUser = (path: string, headers: [string, string | Buffer][] = []) =>
    send(path, [['Authorization', bearer], ...headers]);
  const asAdmin = (path: string) => send(path, [['Authorization', `Bearer ${TEST_ADMIN_TOKEN}`]]);

  beforeAll(() => {
    bearer = `Bearer ${notifier.tokenFor(uniqueUser())}`;
  });

  afterEach(async () => {
    expect(await healthStatus(notifier.baseUrl)).toBe(200);
  });

  describe('oversized', () => {
    it.each([
      ['a 64 KiB header', () => asUser('/users/me/events', [['X-Padding', HUGE]])],
      ['a 64 KiB query string', () => asUser(`/users/me/events?lastEventId=1&pad=${HUGE}`)],
      [
        'a 64 KiB Last-Event-ID',
        () => asUser('/users/me/events', [['Last-Event-ID', '9'.repeat(65_536)]]),
      ],
      ['a 64 KiB token', () => send(`/users/me/events?access_token=${HUGE}`)],
    ])('%s is refused with 431', async (_, request) => {
      expect((await request()).status).toBe(431);
    });
  });

  describe('non-UTF-8 bytes', () => {
    it('in Last-Event-ID: 400', async () => {
      expect((await asUser('/users/me/events', [['Last-Event-ID', INVALID_UTF8]])).status).toBe(
        400,
      );
    });

    it('percent-encoded in lastEventId: 400', async () => {
      expect((await asUser('/users/me/events?lastEventId=%FF%FE%C3%28')).status).toBe(400);
    });

    it('in the Authorization header, the access_token parameter or the cookie: 401', async () => {
      const token = Buffer.concat([Buffer.from('Bearer '), INVALID_UTF8]);
      expect((await send('/users/me/events', [['Authorization', token]])).status).toBe(401);
      expect((await send('/users/me/events?access_token=%FF%FE')).status).toBe(401);
      const cookie = Buffer.concat([Buffer.from('access_token='), INVALID_UTF8]);
      expect((await send('/users/me/events', [['Cookie', cookie]])).status).toBe(401);
    });

    it('in a JSON body: 400 naming UTF-8, and nothing is written', async () => {
      const user = uniqueUser();
      const body = Buffer.concat([
        Buffer.from(`{"userId":"${user}","payload":{"text":"`),
        INVALID_UTF8,
        Buffer.from('"}}'),
      ]);
      const response = await fetch(`${notifier.baseUrl}/admin/notifications`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
          'Content-Type': 'application/json',
        },
        body,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'Request body is not valid UTF-8',
      });
      const { rows } = await producer.pool.query(
        'SELECT count(*)::int AS n FROM notification_outbox WHERE user_id = $1',
        [user],
      );
      expect(rows[0].n).toBe(0);
    });

    it('raw in the path: 4xx', async () => {
      const path = Buffer.concat([Buffer.from('/users/'), INVALID_UTF8, Buffer.from('/events')]);
      const { status } = await send(path, [['Authorization', bearer]]);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    });
  });

  describe('resume points that are not ids', () => {
    it.each([
      '99999999999999999999999999',
      '-9223372036854775808',
      '1e18',
      '0x10',
      '1;DROP TABLE notifications',
      '1) OR (1=1',
      '1%27%20OR%20%271%27%3D%271',
    ])('lastEventId=%s: 400 JSON naming the field', async (value) => {
      const response = await asUser(`/users/me/events?lastEventId=${encodeURI(value)}`);
      expect(response.status).toBe(400);
      expect(response.body).toContain('lastEventId');
    });
  });

  describe.each(hostileTokens)('a token with %s', (_, token) => {
    it('is refused with 401 from the access_token parameter and from the cookie', async () => {
      expect((await send(`/users/me/events?access_token=${token}`)).status).toBe(401);
      expect((await send('/users/me/events', [['Cookie', `access_token=${token}`]])).status).toBe(
        401,
      );
    });

    it('is refused with 401 by the inbox', async () => {
      const response = await send('/users/me/notifications', [
        ['Authorization', `Bearer ${token}`],
      ]);
      expect(response.status).toBe(401);
    });

    it('is refused with 401 by the admin API', async () => {
      const response = await send('/admin/stats', [['Authorization', `Bearer ${token}`]]);
      expect(response.status).toBe(401);
    });
  });

  describe('the inbox', () => {
    it.each([
      'limit=99999999999999999999999',
      'limit=-1',
      'limit=0',
      'limit=201',
      'limit=1e3',
      'before=-1',
      'before=1%3BDROP%20TABLE%20notifications',
      "before=1'%20OR%20'1'%3D'1",
      'before=99999999999999999999999',
    ])('?%s: 400 naming the field', async (query) => {
      const response = await asUser(`/users/me/notifications?${query}`);
      expect(response.status).toBe(400);
      expect(response.body).toContain(query.split('=')[0]);
    });

    it.each([
      "1'%20OR%20'1'%3D'1",
      '1%3BDROP%20TABLE%20notifications',
      '-1',
      '99999999999999999999999',
    ])('POST …/%s/read: 400 or 404', async (id) => {
      const response = await rawRequest(
        notifier.baseUrl,
        Buffer.from(
          `POST /users/me/notifications/${id}/read HTTP/1.1\r\nHost: localhost\r\n` +
            `Authorization: ${bearer}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        ),
      );
      expect([400, 404]).toContain(response.status);
    });
  });

  describe('cross-site requests (CSRF) carrying only the cookie or the query parameter', () => {
    const unreadCount = async (user: string) => {
      const { rows } = await producer.pool.query(
        'SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL',
        [user],
      );
      return rows[0].n as number;
    };
    const post = (path: string, headers: string) =>
      rawRequest(
        notifier.baseUrl,
        Buffer.from(
          `POST ${path} HTTP/1.1\r\nHost: localhost\r\n${headers}` +
            `Content-Length: 0\r\nConnection: close\r\n\r\n`,
        ),
      );

    it('POST read-all with the cookie alone is 401 and marks nothing read; GET with it works', async () => {
      const user = uniqueUser();
      const token = notifier.tokenFor(user);
      await producer.notify(user, { n: 1 });
      await producer.waitForLogIds(user, 1);

      const refused = await post(
        '/users/me/notifications/read-all',
        `Cookie: access_token=${token}\r\n`,
      );
      expect(refused.status).toBe(401);
      expect(refused.body).toContain('Authorization');
      expect(await unreadCount(user)).toBe(1);

      const page = await send('/users/me/notifications', [['Cookie', `access_token=${token}`]]);
      expect(page.status).toBe(200);
      expect(page.body).toContain('"items"');
    });

    it('POST …/:id/read with the access_token parameter alone is 401 and marks nothing read', async () => {
      const user = uniqueUser();
      const token = notifier.tokenFor(user);
      await producer.notify(user, { n: 1 });
      const [id] = await producer.waitForLogIds(user, 1);

      const refused = await post(`/users/me/notifications/${id}/read?access_token=${token}`, '');
      expect(refused.status).toBe(401);
      expect(await unreadCount(user)).toBe(1);

      const accepted = await post(
        `/users/me/notifications/${id}/read`,
        `Authorization: Bearer ${token}\r\n`,
      );
      expect(accepted.status).toBe(204);
      expect(await unreadCount(user)).toBe(0);
    });

    it('HEAD and GET with the access_token parameter are accepted', async () => {
      const token = notifier.tokenFor(uniqueUser());
      const head = await rawRequest(
        notifier.baseUrl,
        Buffer.from(
          `HEAD /users/me/notifications/unread-count?access_token=${token} HTTP/1.1\r\n` +
            `Host: localhost\r\nConnection: close\r\n\r\n`,
        ),
      );
      expect(head.status).toBe(200);
      const count = await send(`/users/me/notifications/unread-count?access_token=${token}`);
      expect(count.status).toBe(200);
    });
  });

  describe('the admin API', () => {
    it.each([
      '/admin/notifications?limit=-1',
      '/admin/notifications?limit=99999999999999999999999',
      '/admin/notifications?after=1%3BDROP%20TABLE%20notifications',
      '/admin/notifications?after=-1',
    ])('%s: 400', async (path) => {
      expect((await asAdmin(path)).status).toBe(400);
    });

    it.each([
      "1'%20OR%20'1'%3D'1",
      '1%3BDROP%20TABLE%20notifications',
      '-1',
      '99999999999999999999999',
    ])('/admin/notifications/%s: 400 or 404', async (id) => {
      expect([400, 404]).toContain((await asAdmin(`/admin/notifications/${id}`)).status);
    });

    it.each([
      ['malformed JSON', Buffer.from('{"userId": "u", ')],
      [
        'SQL in the fields',
        Buffer.from(`{"userId":"u","type":"x'; DROP TABLE notifications; --"}`),
      ],
      [
        'a 2 MiB body',
        Buffer.from(JSON.stringify({ userId: 'u', payload: { text: 'x'.repeat(2 << 20) } })),
      ],
    ])('POST /admin/notifications with %s: 4xx', async (_, body) => {
      const head =
        `POST /admin/notifications HTTP/1.1\r\nHost: localhost\r\n` +
        `Authorization: Bearer ${TEST_ADMIN_TOKEN}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
      const { status } = await rawRequest(
        notifier.baseUrl,
        Buffer.concat([Buffer.from(head), body]),
      );
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    });

    it('refuses a user token, an almost-right admin token and non-UTF-8 bytes with 401', async () => {
      for (const token of [
        bearer,
        `Bearer ${TEST_ADMIN_TOKEN.slice(0, -1)}`,
        `Bearer ${TEST_ADMIN_TOKEN}x`,
        Buffer.concat([Buffer.from('Bearer '), INVALID_UTF8]),
      ]) {
        expect((await send('/admin/stats', [['Authorization', token]])).status).toBe(401);
      }
    });
  });

  describe('the development demo token', () => {
    it('does not exist with a configured JWT_SECRET, even outside production', async () => {
      expect(notifier.config.production).toBe(false);
      const answer = await rawRequest(
        notifier.baseUrl,
        Buffer.from(
          'POST /dev/demo-token HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n' +
            'Connection: close\r\n\r\n',
        ),
      );
      expect(answer.status).toBe(404);
      expect(answer.body).not.toContain('eyJ');
      expect((await send('/')).body).not.toContain('data-demo-tokens');
    });

    it('does not exist on a wide bind, even with a secret made up for the run', async () => {
      const wide = await startNotifier({ JWT_SECRET: '', HOST: '0.0.0.0' });
      try {
        expect((await wide.http('POST', '/dev/demo-token')).status).toBe(404);
      } finally {
        await wide.close();
      }
    });
  });

  describe('text Postgres cannot store', () => {
    it('a payload holding \\u0000: 400 naming payload, nothing written, and absent from the log', async () => {
      const port = await freePort();
      const service = NotifierProcess.start({
        DATABASE_URL: database.url,
        PORT: String(port),
        JWT_SECRET: TEST_JWT_SECRET,
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        LOG_LEVEL: 'info',
      });
      const user = uniqueUser();
      const marker = 'nul-payload-marker-5b1e';
      let answer: { status: number; body: unknown };
      try {
        const base = `http://127.0.0.1:${port}`;
        await waitForAsync(async () => (await healthStatus(base)) === 200, 'the service', 30_000);
        const response = await fetch(`${base}/admin/notifications`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify({ userId: user, payload: { text: `${marker}\u0000` } }),
        });
        answer = { status: response.status, body: await response.json() };
      } finally {
        await service.stop();
      }
      expect(answer).toEqual({
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: expect.stringMatching(/^payload: /) as string,
        },
      });
      expect(service.stdout + service.stderr).not.toContain(marker);
      const { rows } = await producer.pool.query(
        'SELECT count(*)::int AS n FROM notification_outbox WHERE user_id = $1',
        [user],
      );
      expect(rows[0].n).toBe(0);
    });
  });

  describe('forged NOTIFY payloads (any role that can connect may NOTIFY any channel)', () => {
    const forged = (user: string) => [
      'x',
      '9000000000000000000',
      '-1',
      'a'.repeat(7_000),
      JSON.stringify({ userId: user, ids: ['1', '2'] }),
      JSON.stringify({ userId: user, upTo: '9000000000000000000' }),
    ];

    const forge = async (channel: string, user: string) => {
      for (const payload of forged(user)) {
        await producer.pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
      }
    };

    it.each(Object.values(CHANNELS))(
      'on %s leave the service up and delivering, and send no event: read',
      async (channel) => {
        const user = uniqueUser();
        // First while no stream is open (an idle instance), then with one open.
        await forge(channel, user);
        await sleep(200);
        const recording = await notifier.stream(user);
        await forge(channel, user);
        await producer.notify(user, { after: 'forged', channel });
        await producer.notify(user, { after: 'forged', n: 2 });
        const expected = await producer.waitForLogIds(user, 2);
        await recording.waitForMessages(2);
        recording.close();
        expect(recording.messageIds).toEqual(expected);
        expect(recording.events.filter((e) => e.event === 'read')).toEqual([]);
        expect((await notifier.http('GET', '/health')).status).toBe(200);
      },
    );
  });

  it('still delivers to a well-behaved client afterwards, and the log is intact', async () => {
    const user = uniqueUser();
    const recording = await notifier.stream(user);
    await producer.notify(user, { after: 'the storm' });
    const [event] = await recording.waitForMessages(1);
    recording.close();
    expect(event.id).toEqual((await producer.logIds(user))[0]);
  });
});
