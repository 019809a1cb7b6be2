import { createHmac, generateKeyPairSync } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { Client } from 'pg';
import type { RunningNotifier } from './support/notifier-harness';
import { useNotifier } from './support/notifier-fixture';
import { SseRecording } from './support/sse-client';
import { signToken } from './support/tokens';
import { uniqueUser } from './support/users';
import { sleep, waitFor } from './support/wait-for';

const jwt = new JwtService();
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('GET /users/me/events', () => {
  const { notifier, producer, database, startNotifier } = useNotifier({
    env: { SSE_HEARTBEAT_MS: '200', SSE_RETRY_MS: '1500' },
  });
  const stream: RunningNotifier['stream'] = (...args) => notifier.stream(...args);
  const raw: RunningNotifier['open'] = (...args) => notifier.open(...args);
  const payloads = (recording: SseRecording) =>
    recording.messages.map((event) => (JSON.parse(event.data) as { payload: unknown }).payload);

  describe('opening', () => {
    it('answers 200 with the SSE headers, and `retry:` is the first frame', async () => {
      const recording = await stream(uniqueUser());
      expect(recording.status).toBe(200);
      expect(recording.headers['content-type']).toBe('text/event-stream');
      expect(recording.headers['cache-control']).toBe('no-cache, no-transform');
      expect(recording.headers['x-accel-buffering']).toBe('no');
      await waitFor(() => recording.raw.length > 0, 'the first frame');
      expect(recording.raw.startsWith('retry: 1500\n\n')).toBe(true);
    });

    it('sends `: ping` comments as a heartbeat', async () => {
      const recording = await stream(uniqueUser());
      await waitFor(() => recording.comments.length >= 2, 'two heartbeats');
      expect(recording.comments.slice(0, 2)).toEqual(['ping', 'ping']);
      expect(recording.raw).toContain('\n: ping\n\n');
    });
  });

  describe('live delivery', () => {
    it('sends a notification to its user only, as `id:` + JSON `data:`', async () => {
      const alice = uniqueUser('alice');
      const bob = uniqueUser('bob');
      const aliceStream = await stream(alice);
      const bobStream = await stream(bob);

      await producer.notify(alice, { text: 'hi' }, 'chat.message');
      const [event] = await aliceStream.waitForMessages(1);
      const [logId] = await producer.logIds(alice);

      expect(event.id).toBe(logId);
      expect(JSON.parse(event.data)).toEqual({
        id: logId,
        type: 'chat.message',
        payload: { text: 'hi' },
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as string,
        readAt: null,
        deliveredAt: null,
      });
      expect(aliceStream.raw).toContain(
        `id: ${logId}\ndata: {"id":"${logId}","type":"chat.message",`,
      );
      await sleep(200);
      expect(bobStream.messages).toEqual([]);
    });

    it('sends every notification to every open tab of the user, in log order', async () => {
      const user = uniqueUser();
      const tabs = await Promise.all([stream(user), stream(user), stream(user)]);
      for (let n = 0; n < 10; n++) await producer.notify(user, { n });
      await Promise.all(tabs.map((tab) => tab.waitForMessages(10)));
      const ids = await producer.logIds(user);
      for (const tab of tabs) expect(tab.messageIds).toEqual(ids);
    });

    it('keeps a payload full of line breaks and field names one intact event', async () => {
      const user = uniqueUser();
      const recording = await stream(user);
      const hostile = {
        text: 'a\n\ndata: forged\r\nid: 999\revent: evil\n\n',
        'id: 1\n': '\u2028',
      };
      await producer.notify(user, hostile);
      await recording.waitForMessages(1);
      await sleep(100);
      expect(recording.events).toHaveLength(1);
      expect(payloads(recording)).toEqual([hostile]);
      expect(recording.raw).not.toMatch(/^(id: 999|event: evil|data: forged)/m);
    });
  });

  describe('resuming', () => {
    it('from Last-Event-ID sends exactly the missed events in order, then live ones', async () => {
      const user = uniqueUser();
      for (let n = 0; n < 6; n++) await producer.notify(user, { n });
      const before = await producer.waitForLogIds(user, 6);

      const recording = await stream(user, { headers: { 'Last-Event-ID': before[2] } });
      await recording.waitForMessages(3);
      for (let n = 6; n < 9; n++) await producer.notify(user, { n });
      await recording.waitForMessages(6);

      expect(recording.messageIds).toEqual((await producer.logIds(user)).slice(3));
      expect(payloads(recording)).toEqual([3, 4, 5, 6, 7, 8].map((n) => ({ n })));
    });

    it('from the lastEventId query parameter the same way', async () => {
      const user = uniqueUser();
      for (let n = 0; n < 4; n++) await producer.notify(user, { n });
      const ids = await producer.waitForLogIds(user, 4);
      const recording = await stream(user, { query: `?lastEventId=${ids[0]}` });
      await recording.waitForMessages(3);
      expect(recording.messageIds).toEqual(ids.slice(1));
    });

    it('prefers the Last-Event-ID header over the query parameter', async () => {
      const user = uniqueUser();
      for (let n = 0; n < 3; n++) await producer.notify(user, { n });
      const ids = await producer.waitForLogIds(user, 3);
      const recording = await stream(user, {
        headers: { 'Last-Event-ID': ids[1] },
        query: `?lastEventId=${ids[0]}`,
      });
      await recording.waitForMessages(1);
      await sleep(200);
      expect(recording.messageIds).toEqual([ids[2]]);
    });

    it('leaves no gap and no duplicate across the replay/live seam while producers write', async () => {
      const user = uniqueUser();
      for (let n = 0; n < 200; n++) await producer.notify(user, { n });
      const resumeFrom = (await producer.waitForLogIds(user, 200))[49];

      const writing = (async () => {
        for (let n = 200; n < 400; n++) await producer.notify(user, { n });
      })();
      const recordings = [];
      for (let i = 0; i < 5; i++) {
        recordings.push(await stream(user, { headers: { 'Last-Event-ID': resumeFrom } }));
        await sleep(15);
      }
      await writing;

      const expected = (await producer.waitForLogIds(user, 400)).slice(50);
      for (const recording of recordings) {
        await recording.waitForMessages(350);
        await sleep(50);
        expect(recording.messageIds).toEqual(expected);
      }
    });

    it('from a point past the log’s end (a restored database) sends `event: reset` with the newest id, then goes on live', async () => {
      const user = uniqueUser();
      await producer.notify(user, { n: 'before' });
      const [before] = await producer.waitForLogIds(user, 1);
      const recording = await stream(user, {
        headers: { 'Last-Event-ID': '9223372036854775806' },
      });
      await waitFor(() => recording.events.length > 0, 'the reset');
      await producer.notify(user, { n: 'after' });
      const [after] = (await producer.waitForLogIds(user, 2)).slice(1);
      await recording.waitForMessages(1);

      const [reset, ...rest] = recording.events;
      expect(reset.event).toBe('reset');
      const data = JSON.parse(reset.data) as { reason: string; newestId: string };
      expect(Object.keys(data)).toEqual(['reason', 'newestId']);
      expect(data.reason).toBe('ahead-of-log');
      expect(BigInt(data.newestId)).toBeGreaterThanOrEqual(BigInt(before));
      expect(BigInt(data.newestId)).toBeLessThan(BigInt(after));
      expect(recording.raw).toMatch(/^retry: \d+\n\nevent: reset\ndata: \{[^\n]*\}\n\n/);
      expect(rest.map((event) => event.id)).toEqual([after]);
      expect(payloads(recording)).toEqual([{ n: 'after' }]);
    });

    it('starts live without a resume point', async () => {
      const user = uniqueUser();
      // The hub reads the log in order: once another user's later row reached its stream, the
      // hub has passed 'old', and "now" for a new stream is after it.
      const probeUser = uniqueUser('probe');
      const probe = await stream(probeUser);
      await producer.notify(user, { n: 'old' });
      await producer.notify(probeUser, { n: 'probe' });
      await probe.waitForMessages(1);
      const recording = await stream(user);
      await producer.notify(user, { n: 'new' });
      await recording.waitForMessages(1);
      await sleep(100);
      expect(payloads(recording)).toEqual([{ n: 'new' }]);
    });
  });

  describe('producers committing out of order', () => {
    it('reach a client with strictly increasing ids, and resuming from any id gives exactly the rest', async () => {
      const user = uniqueUser();
      const live = await stream(user);
      const transactions = await Promise.all(
        Array.from({ length: 20 }, async (_, n) => {
          const client = new Client({ connectionString: database.url });
          await client.connect();
          await client.query('BEGIN');
          await client.query(
            `INSERT INTO notification_outbox (user_id, payload) VALUES ($1, jsonb_build_object('n', $2::int))`,
            [user, n],
          );
          return client;
        }),
      );
      for (const client of transactions.reverse()) {
        await client.query('COMMIT');
        await client.end();
        await sleep(5);
      }

      await live.waitForMessages(20);
      const ids = live.messageIds.map(BigInt);
      ids.forEach((id, i) => i > 0 && expect(id > ids[i - 1]).toBe(true));
      const logIds = await producer.logIds(user);
      expect(live.messageIds).toEqual(logIds);

      const resumed = await Promise.all(
        logIds.map((id) => stream(user, { headers: { 'Last-Event-ID': id } })),
      );
      await Promise.all(resumed.map((recording, i) => recording.waitForMessages(19 - i)));
      await sleep(100);
      resumed.forEach((recording, i) => expect(recording.messageIds).toEqual(logIds.slice(i + 1)));
    });
  });

  describe('refusals', () => {
    it.each(['abc', '-1', '1.5', '', '9223372036854775808', '1, 2', "1' OR '1'='1"])(
      'answers 400 JSON to the Last-Event-ID %j',
      async (value) => {
        const recording = await stream(uniqueUser(), { headers: { 'Last-Event-ID': value } });
        expect(recording.status).toBe(400);
        expect(await recording.json()).toMatchObject({
          statusCode: 400,
          message: expect.stringContaining('Last-Event-ID') as string,
        });
      },
    );

    it.each(['?lastEventId=x', '?lastEventId=1&lastEventId=2', '?lastEventId=%00'])(
      'answers 400 JSON to the query %s',
      async (query) => {
        const recording = await stream(uniqueUser(), { query });
        expect(recording.status).toBe(400);
        expect(await recording.json()).toMatchObject({
          message: expect.stringContaining('lastEventId') as string,
        });
      },
    );

    it('answers 404 JSON for another user’s stream, which stops EventSource for good', async () => {
      const recording = await raw('/users/bob/events', {
        Authorization: `Bearer ${notifier.tokenFor('bob')}`,
      });
      expect(recording.status).toBe(404);
      expect(await recording.json()).toMatchObject({ statusCode: 404 });
    });
  });

  describe('authentication', () => {
    const claims = (sub: unknown, extra: object = {}) => ({ sub, ...extra });
    const hs256 = signToken;
    const now = () => Math.floor(Date.now() / 1000);

    it('takes the token from the Authorization header, the access_token parameter or the cookie', async () => {
      const user = uniqueUser();
      const token = notifier.tokenFor(user);
      const byHeader = await raw('/users/me/events', { Authorization: `Bearer ${token}` });
      const byQuery = await raw(`/users/me/events?access_token=${token}`);
      const byCookie = await raw('/users/me/events', {
        Cookie: `theme=dark; access_token=${token}`,
      });
      await producer.notify(user, { n: 1 });
      for (const recording of [byHeader, byQuery, byCookie]) {
        expect(recording.status).toBe(200);
        await recording.waitForMessages(1);
      }
    });

    it.each([
      ['no token at all', {}],
      ['a non-Bearer Authorization header', { Authorization: 'Basic dXNlcjpwYXNz' }],
      ['a malformed token', { Authorization: 'Bearer not.a.jwt' }],
      [
        'a token signed with another secret',
        {
          Authorization: `Bearer ${jwt.sign({ sub: 'u' }, { secret: 'another-secret-of-at-least-32-chars!!' })}`,
        },
      ],
      ['an expired token', { Authorization: `Bearer ${hs256(claims('u', { exp: now() - 60 }))}` }],
      [
        'a token not valid yet',
        { Authorization: `Bearer ${hs256(claims('u', { nbf: now() + 3600 }))}` },
      ],
      ['a token without sub', { Authorization: `Bearer ${hs256({ name: 'u' })}` }],
      [
        'a token whose sub is not a user id',
        { Authorization: `Bearer ${hs256(claims('x'.repeat(201)))}` },
      ],
      ['a token whose sub is a number', { Authorization: `Bearer ${hs256(claims(42))}` }],
      [
        'a token whose sub holds a lone high surrogate',
        { Authorization: `Bearer ${hs256(claims('eve\ud800', { exp: now() + 60 }))}` },
      ],
      [
        'a token whose sub holds a lone low surrogate',
        { Authorization: `Bearer ${hs256(claims('x\udfff', { exp: now() + 60 }))}` },
      ],
      [
        'an unsigned token (alg none)',
        {
          Authorization: `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'u' })}.`,
        },
      ],
      ['an HS512 token', { Authorization: `Bearer ${hs256(claims('u'), { algorithm: 'HS512' })}` }],
    ])('answers 401 JSON to %s', async (_, headers: Record<string, string>) => {
      const recording = await raw('/users/me/events', headers);
      expect(recording.status).toBe(401);
      expect(await recording.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    });

    describe.each([
      ['RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
      ['ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ] as const)('with JWT_PUBLIC_KEY (%s)', (algorithm, makeKeys) => {
      const keys = makeKeys();
      const publicKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const privateKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      let keyed: RunningNotifier;

      beforeAll(async () => {
        keyed = await startNotifier({
          JWT_PUBLIC_KEY: publicKey,
          JWT_ISSUER: 'https://auth.example',
          JWT_AUDIENCE: 'notifier',
        });
      });
      afterAll(() => keyed.close());

      const open = async (token: string) => {
        const recording = await SseRecording.open(`${keyed.baseUrl}/users/me/events`, {
          Authorization: `Bearer ${token}`,
        });
        recording.close();
        return recording.status;
      };
      const good = { issuer: 'https://auth.example', audience: 'notifier', expiresIn: 60 };

      it('accepts a token signed with the private key', async () => {
        expect(await open(jwt.sign({ sub: 'u' }, { privateKey, algorithm, ...good }))).toBe(200);
      });

      it('refuses a wrong issuer or audience', async () => {
        expect(
          await open(jwt.sign({ sub: 'u' }, { privateKey, algorithm, ...good, issuer: 'x' })),
        ).toBe(401);
        expect(
          await open(jwt.sign({ sub: 'u' }, { privateKey, algorithm, ...good, audience: 'x' })),
        ).toBe(401);
      });

      it('refuses an HS256 token keyed with the public key (algorithm confusion)', async () => {
        const forged = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ sub: 'u', ...{ iss: good.issuer, aud: good.audience } })}`;
        const signature = createHmac('sha256', publicKey).update(forged).digest('base64url');
        expect(await open(`${forged}.${signature}`)).toBe(401);
      });
    });
  });
});
