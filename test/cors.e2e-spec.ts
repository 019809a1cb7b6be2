import type { IncomingHttpHeaders } from 'node:http';
import type { RunningNotifier } from './support/notifier-harness';
import { useNotifier } from './support/notifier-fixture';
import { uniqueUser } from './support/users';

const APP_ORIGIN = 'https://app.example.com';
const OTHER_ALLOWED_ORIGIN = 'http://localhost:5173';
const STRANGER_ORIGIN = 'https://evil.example.net';

/** The CORS headers of an answer, by lower-case name: what a browser would look at. */
function corsHeadersOf(headers: Headers | IncomingHttpHeaders): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  return Object.fromEntries(
    entries
      .filter(([name]) => name.toLowerCase().startsWith('access-control-'))
      .map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
}

const varyOf = (headers: Headers) => (headers.get('vary') ?? '').split(/\s*,\s*/);

describe('CORS (CORS_ORIGINS)', () => {
  const { notifier, producer, startNotifier } = useNotifier({
    env: { CORS_ORIGINS: `${APP_ORIGIN},${OTHER_ALLOWED_ORIGIN}` },
  });
  const openStream: RunningNotifier['open'] = (...args) => notifier.open(...args);
  const preflight = (origin: string, requestHeaders: string) =>
    notifier.http('OPTIONS', '/users/me/notifications', {
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': requestHeaders,
      },
    });

  const expectReadableError = async (
    path: string,
    headers: Record<string, string>,
    status: number,
  ) => {
    const recording = await openStream(path, { Origin: APP_ORIGIN, ...headers });
    expect(recording.status).toBe(status);
    expect(await recording.json()).toMatchObject({ statusCode: status });
    expect(corsHeadersOf(recording.headers)).toEqual({
      'access-control-allow-origin': APP_ORIGIN,
      'access-control-allow-credentials': 'true',
    });
  };

  describe('an origin on the list', () => {
    it('may read REST answers with credentials, and the answer varies on Origin', async () => {
      const answer = await notifier.http('GET', '/users/me/notifications/unread-count', {
        as: uniqueUser(),
        headers: { Origin: OTHER_ALLOWED_ORIGIN },
      });
      expect(answer.status).toBe(200);
      expect(corsHeadersOf(answer.headers)).toEqual({
        'access-control-allow-origin': OTHER_ALLOWED_ORIGIN,
        'access-control-allow-credentials': 'true',
      });
      expect(varyOf(answer.headers)).toContain('Origin');
    });

    it('opens the stream with the cookie and keeps the CORS headers next to the SSE ones', async () => {
      const user = uniqueUser();
      const recording = await openStream('/users/me/events', {
        Origin: APP_ORIGIN,
        Cookie: `access_token=${notifier.tokenFor(user)}`,
      });
      expect(recording.status).toBe(200);
      expect(recording.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(corsHeadersOf(recording.headers)).toEqual({
        'access-control-allow-origin': APP_ORIGIN,
        'access-control-allow-credentials': 'true',
      });
      expect(recording.headers.vary).toContain('Origin');

      await producer.notify(user, { text: 'across origins' });
      const [message] = await recording.waitForMessages(1);
      expect(JSON.parse(message.data)).toMatchObject({ payload: { text: 'across origins' } });
    });

    it('can read a 401 answer (no token), so the page knows to sign in again', async () => {
      await expectReadableError('/users/me/events', {}, 401);
    });

    it('can read a 404 answer (another user’s stream), so the page knows it is over', async () => {
      const cookie = `access_token=${notifier.tokenFor(uniqueUser())}`;
      await expectReadableError('/users/someone-else/events', { Cookie: cookie }, 404);
    });

    it('gets a preflight answer that allows Authorization, with credentials', async () => {
      const answer = await preflight(APP_ORIGIN, 'authorization');
      expect(answer.status).toBe(204);
      const headers = corsHeadersOf(answer.headers);
      expect(headers).toMatchObject({
        'access-control-allow-origin': APP_ORIGIN,
        'access-control-allow-credentials': 'true',
        'access-control-max-age': '600',
      });
      expect(headers['access-control-allow-headers'].split(',')).toContain('Authorization');
      expect(headers['access-control-allow-methods'].split(',')).toEqual(
        expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE']),
      );
      expect(varyOf(answer.headers)).toContain('Origin');
    });
  });

  describe('an origin not on the list', () => {
    it('gets no CORS header on a REST answer, which still varies on Origin', async () => {
      const answer = await notifier.http('GET', '/users/me/notifications/unread-count', {
        as: uniqueUser(),
        headers: { Origin: STRANGER_ORIGIN },
      });
      expect(answer.status).toBe(200);
      expect(corsHeadersOf(answer.headers)).toEqual({});
      expect(varyOf(answer.headers)).toContain('Origin');
    });

    it('gets no CORS header on the stream', async () => {
      const recording = await openStream('/users/me/events', {
        Origin: STRANGER_ORIGIN,
        Cookie: `access_token=${notifier.tokenFor(uniqueUser())}`,
      });
      expect(recording.status).toBe(200);
      expect(corsHeadersOf(recording.headers)).toEqual({});
    });

    it('gets a preflight answer that allows nothing', async () => {
      const answer = await preflight(STRANGER_ORIGIN, 'authorization');
      expect(corsHeadersOf(answer.headers)).toEqual({});
    });

    it('is compared exactly: another scheme, port or a suffix is not the listed origin', async () => {
      for (const origin of [
        'http://app.example.com',
        'https://app.example.com:8443',
        'https://app.example.com.evil.example.net',
        'null',
      ]) {
        const answer = await preflight(origin, 'authorization');
        expect({ origin, headers: corsHeadersOf(answer.headers) }).toEqual({ origin, headers: {} });
      }
    });
  });

  describe('without CORS_ORIGINS', () => {
    let closed: RunningNotifier;

    beforeAll(async () => {
      closed = await startNotifier();
    });

    afterAll(() => closed.close());

    it('allows no origin at all', async () => {
      const answer = await closed.http('GET', '/users/me/notifications/unread-count', {
        as: uniqueUser(),
        headers: { Origin: APP_ORIGIN },
      });
      expect(answer.status).toBe(200);
      expect(corsHeadersOf(answer.headers)).toEqual({});

      const preflightAnswer = await closed.http('OPTIONS', '/users/me/notifications', {
        headers: {
          Origin: APP_ORIGIN,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'authorization',
        },
      });
      expect(corsHeadersOf(preflightAnswer.headers)).toEqual({});
    });
  });
});
