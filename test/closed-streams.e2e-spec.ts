import { EventSource } from 'eventsource';
import type { RunningNotifier } from './support/notifier-harness';
import { useNotifier } from './support/notifier-fixture';
import { TEST_ADMIN_TOKEN } from './support/tokens';
import { uniqueUser } from './support/users';
import { sleep, waitFor } from './support/wait-for';

describe('a stream closed for good (DELETE and PUT /admin/users/:userId/stream)', () => {
  const {
    notifier: first,
    producer,
    startNotifier,
  } = useNotifier({ env: { SSE_RETRY_MS: '100' } });
  let second: RunningNotifier;

  beforeAll(async () => {
    second = await startNotifier({ SSE_RETRY_MS: '100' });
  });

  /** A real EventSource, counting the requests it makes. */
  function eventSource(notifier: RunningNotifier, user: string) {
    const requests: number[] = [];
    const source = new EventSource(
      `${notifier.baseUrl}/users/me/events?access_token=${notifier.tokenFor(user)}`,
      {
        fetch: (url, init) => {
          requests.push(Date.now());
          return fetch(url, init);
        },
      },
    );
    const received: string[] = [];
    source.onmessage = (message) => received.push(message.lastEventId);
    return { source, requests, received };
  }

  it('ends open streams on every instance, and EventSource stops for good after the 404', async () => {
    const user = uniqueUser();
    const onFirst = await first.stream(user);
    const client = eventSource(second, user);
    await waitFor(() => client.source.readyState === EventSource.OPEN, 'the EventSource to open');
    await producer.notify(user, { n: 1 });
    await waitFor(() => client.received.length === 1, 'a notification');

    const close = await first.http('DELETE', `/admin/users/${user}/stream`, {
      as: 'admin',
      body: { reason: 'account deleted' },
    });
    expect(close.status).toBe(204);

    await waitFor(() => onFirst.ended, 'the stream on the first instance to end', 1000);
    await waitFor(
      () => client.source.readyState === EventSource.CLOSED,
      'EventSource to close for good',
      3000,
    );
    const requestsAtClose = client.requests.length;
    expect(requestsAtClose).toBe(2);
    await sleep(500);
    expect(client.requests).toHaveLength(requestsAtClose);
  });

  it('answers 404 JSON on every instance, also one started after the close', async () => {
    const user = uniqueUser();
    await first.http('DELETE', `/admin/users/${user}/stream`, { as: 'admin' });
    await sleep(200);
    const third = await startNotifier();
    try {
      for (const notifier of [first, second, third]) {
        const answer = await notifier.stream(user);
        expect(answer.status).toBe(404);
        expect(await answer.json()).toEqual({
          statusCode: 404,
          error: 'Not Found',
          message: 'This event stream is closed',
        });
      }
    } finally {
      await third.close();
    }
  });

  it('opens again after PUT, with the notifications sent meanwhile kept in the log', async () => {
    const user = uniqueUser();
    await second.http('DELETE', `/admin/users/${user}/stream`, { as: 'admin' });
    await producer.notify(user, { while: 'closed' });
    const [id] = await producer.waitForLogIds(user, 1);
    expect((await second.http('PUT', `/admin/users/${user}/stream`, { as: 'admin' })).status).toBe(
      204,
    );
    let status = 0;
    for (let tries = 0; tries < 50 && status !== 200; tries++) {
      const attempt = await first.stream(user, { headers: { 'Last-Event-ID': '0' } });
      status = attempt.status;
      if (status === 200) {
        await attempt.waitForMessages(1);
        expect(attempt.messageIds).toEqual([id]);
      }
      attempt.close();
      if (status !== 200) await sleep(20);
    }
    expect(status).toBe(200);
  });

  it('takes effect on the answering instance before it answers: 404 right after DELETE, 200 right after PUT', async () => {
    const user = uniqueUser();
    const seen: string[] = [];
    for (let round = 0; round < 10; round++) {
      for (const [method, expected] of [
        ['DELETE', 404],
        ['PUT', 200],
      ] as const) {
        expect(
          (await first.http(method, `/admin/users/${user}/stream`, { as: 'admin' })).status,
        ).toBe(204);
        const attempt = await first.stream(user);
        attempt.close();
        seen.push(`${method} → ${attempt.status}`);
        if (attempt.status !== expected) break;
      }
    }
    expect(seen).toEqual(Array.from({ length: 10 }, () => ['DELETE → 404', 'PUT → 200']).flat());
  });

  it('is idempotent: closing twice and reopening an open stream answer 204', async () => {
    const user = uniqueUser();
    for (const method of ['DELETE', 'DELETE', 'PUT', 'PUT']) {
      expect(
        (await first.http(method, `/admin/users/${user}/stream`, { as: 'admin' })).status,
      ).toBe(204);
    }
  });

  it('refuses without the admin token, with a user token, and with a bad user id or reason', async () => {
    const user = uniqueUser();
    expect((await first.http('DELETE', `/admin/users/${user}/stream`)).status).toBe(401);
    expect((await first.http('DELETE', `/admin/users/${user}/stream`, { as: user })).status).toBe(
      401,
    );
    const wrongToken = { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}x` } };
    expect((await first.http('DELETE', `/admin/users/${user}/stream`, wrongToken)).status).toBe(
      401,
    );
    const badUser = await first.http('DELETE', '/admin/users/a%0Ab/stream', { as: 'admin' });
    expect(badUser).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('userId') as string },
    });
    const longReason = await first.http('DELETE', `/admin/users/${user}/stream`, {
      as: 'admin',
      body: { reason: 'x'.repeat(501) },
    });
    expect(longReason.status).toBe(400);
    expect(JSON.stringify(longReason.body.message)).toContain('reason');
  });
});
