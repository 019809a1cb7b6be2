import { useNotifier } from './support/notifier-fixture';
import { uniqueUser } from './support/users';
import { waitFor } from './support/wait-for';

describe('admin API', () => {
  const { notifier, producer } = useNotifier();

  const ids = (page: { items: { id: string }[] }) => page.items.map((item) => item.id);

  describe('POST /admin/notifications', () => {
    it('answers 202 and the notification reaches the user’s stream', async () => {
      const user = uniqueUser();
      const stream = await notifier.stream(user);
      const answer = await notifier.http('POST', '/admin/notifications', {
        as: 'admin',
        body: { userId: user, type: 'billing.invoice', payload: { amount: 12 } },
      });
      expect(answer).toMatchObject({ status: 202, body: { accepted: true } });
      const [event] = await stream.waitForMessages(1);
      expect(JSON.parse(event.data)).toMatchObject({
        type: 'billing.invoice',
        payload: { amount: 12 },
      });
      stream.close();
    });

    it('defaults the type to message and the payload to {}', async () => {
      const user = uniqueUser();
      await notifier.http('POST', '/admin/notifications', { as: 'admin', body: { userId: user } });
      const [id] = await producer.waitForLogIds(user, 1);
      const one = await notifier.http('GET', `/admin/notifications/${id}`, { as: 'admin' });
      expect(one.body).toMatchObject({ userId: user, type: 'message', payload: {} });
    });

    it.each([
      ['no userId', {}, 'userId'],
      ['an empty userId', { userId: '' }, 'userId'],
      ['a userId with a newline', { userId: 'a\nb' }, 'userId'],
      ['a 201-character userId', { userId: 'u'.repeat(201) }, 'userId'],
      ['a userId that is a number', { userId: 42 }, 'userId'],
      ['a userId with a lone high surrogate', { userId: 'u\ud800' }, 'userId'],
      ['a userId with a lone low surrogate', { userId: 'u\udfff' }, 'userId'],
      ['a userId with its surrogates swapped', { userId: 'u\ude00\ud83d' }, 'userId'],
      ['a type with a space', { userId: 'u', type: 'a b' }, 'type'],
      ['a type with SQL', { userId: 'u', type: "x'); DROP TABLE notifications;--" }, 'type'],
      ['a payload over 64 KiB', { userId: 'u', payload: { s: 'x'.repeat(70_000) } }, 'payload'],
    ])('answers 400 naming the field for %s, and writes nothing', async (_, body, field) => {
      const answer = await notifier.http('POST', '/admin/notifications', { as: 'admin', body });
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body.message)).toContain(field);
      const { rows } = await producer.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM notification_outbox WHERE user_id = 'u'`,
      );
      expect(rows[0].n).toBe(0);
    });

    it('answers 400 naming the outbox rule when Postgres’s own serialization passes 64 KiB', async () => {
      // Compact JSON under the limit, but jsonb's text form adds a space after every colon and comma.
      const payload = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`k${i}`, 1]));
      expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(65536);
      const answer = await notifier.http('POST', '/admin/notifications', {
        as: 'admin',
        body: { userId: uniqueUser(), payload },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.message).toContain('outbox_payload_at_most_64_kib');
    });

    it('answers 400 for a body that is not JSON', async () => {
      const answer = await notifier.http('POST', '/admin/notifications', {
        as: 'admin',
        body: '{"userId": "u",',
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.stringContaining('JSON') as string,
      });
    });

    it('answers 413 for a body over the size limit', async () => {
      const body = { userId: 'u', payload: { s: 'x'.repeat(200_000) } };
      const answer = await notifier.http('POST', '/admin/notifications', { as: 'admin', body });
      expect(answer).toMatchObject({
        status: 413,
        body: { statusCode: 413, error: 'Payload Too Large' },
      });
    });

    it('answers 401 without the admin token and with a user JWT', async () => {
      const body = { userId: 'u' };
      expect((await notifier.http('POST', '/admin/notifications', { body })).status).toBe(401);
      expect((await notifier.http('POST', '/admin/notifications', { as: 'u', body })).status).toBe(
        401,
      );
    });
  });

  /**
   * A lone surrogate cannot be written in UTF-8; in a URL it comes as the bytes of its
   * WTF-8 form, which a lenient decoder turns into U+FFFD, silently another user.
   */
  it.each([
    ['the userId query parameter', '/admin/notifications?userId=u%ED%A0%80'],
    ['the :userId path parameter', '/admin/users/u%ED%A0%80/connections'],
    [
      'the :userId path parameter of push subscriptions',
      '/admin/users/u%ED%B0%80/push-subscriptions',
    ],
  ])('answers 400 naming userId for a surrogate in %s', async (_, path) => {
    const answer = await notifier.http('GET', path, { as: 'admin' });
    expect([answer.status, JSON.stringify(answer.body.message)]).toEqual([
      400,
      expect.stringContaining('userId'),
    ]);
  });

  describe('GET /admin/notifications', () => {
    it('lists the log oldest first, filtered by user and type, in pages linked by nextAfter', async () => {
      const user = uniqueUser();
      for (const type of ['a', 'b', 'a', 'a']) await producer.notify(user, {}, type);
      await producer.notify(uniqueUser('other'), {}, 'a');
      const all = await producer.waitForLogIds(user, 4);

      const byType = await notifier.http(
        'GET',
        `/admin/notifications?userId=${user}&type=a&limit=2`,
        { as: 'admin' },
      );
      expect(byType.status).toBe(200);
      expect(ids(byType.body)).toEqual([all[0], all[2]]);
      expect(byType.body.items[0]).toMatchObject({ userId: user, type: 'a', readAt: null });
      expect(byType.body.items[0].storedAt).toMatch(/Z$/);
      expect(byType.body.nextAfter).toBe(all[2]);

      const next = await notifier.http(
        'GET',
        `/admin/notifications?userId=${user}&type=a&after=${all[2]}`,
        {
          as: 'admin',
        },
      );
      expect(next.body).toEqual({
        items: [expect.objectContaining({ id: all[3] })],
        nextAfter: null,
      });
    });

    it.each(['limit=0', 'limit=999999999999', 'after=-5', 'after=abc', 'userId=', 'type=a%20b'])(
      'answers 400 for %s',
      async (query) => {
        const answer = await notifier.http('GET', `/admin/notifications?${query}`, { as: 'admin' });
        expect(answer.status).toBe(400);
        expect(JSON.stringify(answer.body.message)).toContain(query.split('=')[0]);
      },
    );

    it('answers 401 without the admin token', async () => {
      expect((await notifier.http('GET', '/admin/notifications')).status).toBe(401);
    });
  });

  describe('GET /admin/notifications/:id', () => {
    it('answers one notification, 404 for an unknown id, 400 for a malformed one', async () => {
      const user = uniqueUser();
      await producer.notify(user, { x: 1 });
      const [id] = await producer.waitForLogIds(user, 1);
      expect(
        (await notifier.http('GET', `/admin/notifications/${id}`, { as: 'admin' })).body,
      ).toMatchObject({
        id,
        userId: user,
        payload: { x: 1 },
      });
      const missing = await notifier.http('GET', '/admin/notifications/9223372036854775807', {
        as: 'admin',
      });
      expect(missing).toMatchObject({ status: 404, body: { statusCode: 404, error: 'Not Found' } });
      expect((await notifier.http('GET', '/admin/notifications/1e3', { as: 'admin' })).status).toBe(
        400,
      );
      expect((await notifier.http('GET', `/admin/notifications/${id}`)).status).toBe(401);
    });
  });

  describe('GET /admin/stats', () => {
    it('shows connections, backlog, last id, lag, deliveries and leadership', async () => {
      const user = uniqueUser();
      const streams = [await notifier.stream(user), await notifier.stream(user)];
      await producer.notify(user, {});
      await Promise.all(streams.map((stream) => stream.waitForMessages(1)));
      const [id] = await producer.logIds(user);

      const stats = await notifier.http('GET', '/admin/stats', { as: 'admin' });
      expect(stats.status).toBe(200);
      expect(stats.body).toMatchObject({
        instanceId: expect.any(String) as string,
        ingestLeader: true,
        outbox: { backlog: expect.any(Number) as number },
        ingestLagSeconds: expect.any(Number) as number,
      });
      expect(stats.body.connections.total).toBeGreaterThanOrEqual(2);
      expect(stats.body.connections.topUsers).toContainEqual({ userId: user, connections: 2 });
      expect(BigInt(stats.body.lastLogId)).toBeGreaterThanOrEqual(BigInt(id));
      expect(stats.body.eventsDelivered).toBeGreaterThanOrEqual(2);
      streams.forEach((stream) => stream.close());
      expect((await notifier.http('GET', '/admin/stats')).status).toBe(401);
    });
  });

  describe('GET /admin/users/:userId/connections', () => {
    it('lists the user’s open streams on this instance', async () => {
      const user = uniqueUser();
      const stream = await notifier.stream(user);
      await waitFor(() => stream.retry !== undefined, 'the stream to open');
      const answer = await notifier.http('GET', `/admin/users/${user}/connections`, {
        as: 'admin',
      });
      expect(answer.body).toEqual([
        {
          id: expect.any(Number) as number,
          openedAt: expect.stringMatching(/Z$/) as string,
          lastEventId: expect.any(String) as string,
          bufferedBytes: 0,
        },
      ]);
      stream.close();
      await waitFor(() => stream.ended, 'the stream to close');
      expect(
        (await notifier.http('GET', '/admin/users/nobody/connections', { as: 'admin' })).body,
      ).toEqual([]);
      expect((await notifier.http('GET', `/admin/users/${user}/connections`)).status).toBe(401);
    });
  });
});
