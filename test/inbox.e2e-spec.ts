import { useNotifier } from './support/notifier-fixture';
import type { SseRecording } from './support/sse-client';
import { uniqueUser } from './support/users';
import { sleep, waitFor } from './support/wait-for';

describe('inbox of the signed-in user', () => {
  const { notifier, producer } = useNotifier();

  /** Notifies a user `count` times and returns the log ids, oldest first. */
  async function notifications(user: string, count: number): Promise<string[]> {
    for (let n = 0; n < count; n++) await producer.notify(user, { n });
    return producer.waitForLogIds(user, count);
  }

  async function stream(user: string): Promise<SseRecording> {
    const recording = await notifier.stream(user);
    await waitFor(() => recording.retry !== undefined, 'the stream to open');
    return recording;
  }

  describe('GET /users/me/notifications', () => {
    it('lists newest first, in pages linked by nextBefore', async () => {
      const user = uniqueUser();
      const ids = await notifications(user, 5);
      const first = await notifier.http('GET', '/users/me/notifications?limit=2', { as: user });
      expect(first.status).toBe(200);
      expect(first.body.items.map((item: { id: string }) => item.id)).toEqual([ids[4], ids[3]]);
      expect(first.body.items[0]).toEqual({
        id: ids[4],
        type: 'message',
        payload: { n: 4 },
        createdAt: expect.stringMatching(/Z$/) as string,
        readAt: null,
        deliveredAt: null,
      });
      expect(first.body.nextBefore).toBe(ids[3]);

      const second = await notifier.http(
        'GET',
        `/users/me/notifications?limit=2&before=${ids[3]}`,
        { as: user },
      );
      expect(second.body.items.map((item: { id: string }) => item.id)).toEqual([ids[2], ids[1]]);
      const last = await notifier.http('GET', `/users/me/notifications?limit=2&before=${ids[1]}`, {
        as: user,
      });
      expect(last.body).toEqual({
        items: [expect.objectContaining({ id: ids[0] })],
        nextBefore: null,
      });
    });

    it('shows only the user’s own notifications, and only unread ones with unread=true', async () => {
      const user = uniqueUser();
      const ids = await notifications(user, 3);
      await notifications(uniqueUser('other'), 2);
      await notifier.http('POST', `/users/me/notifications/${ids[1]}/read`, { as: user });
      const all = await notifier.http('GET', '/users/me/notifications', { as: user });
      expect(all.body.items).toHaveLength(3);
      const unread = await notifier.http('GET', '/users/me/notifications?unread=true', {
        as: user,
      });
      expect(unread.body.items.map((item: { id: string }) => item.id)).toEqual([ids[2], ids[0]]);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=1e309', 'limit'],
      ['before=x', 'before'],
      ['before=-1', 'before'],
      ['before=9223372036854775808', 'before'],
      ["before=1'%20OR%201=1", 'before'],
      ['unread=yes', 'unread'],
    ])('answers 400 naming the field for %s', async (query, field) => {
      const answer = await notifier.http('GET', `/users/me/notifications?${query}`, {
        as: uniqueUser(),
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(answer.body.message)).toContain(field);
    });

    it('answers 401 without a token', async () => {
      const answer = await notifier.http('GET', '/users/me/notifications');
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    });
  });

  describe('GET /users/me/notifications/unread-count', () => {
    it('counts unread notifications', async () => {
      const user = uniqueUser();
      const ids = await notifications(user, 3);
      expect(
        (await notifier.http('GET', '/users/me/notifications/unread-count', { as: user })).body,
      ).toEqual({
        count: 3,
      });
      await notifier.http('POST', `/users/me/notifications/${ids[0]}/read`, { as: user });
      expect(
        (await notifier.http('GET', '/users/me/notifications/unread-count', { as: user })).body,
      ).toEqual({
        count: 2,
      });
    });

    it('answers 401 without a token', async () => {
      expect((await notifier.http('GET', '/users/me/notifications/unread-count')).status).toBe(401);
    });
  });

  describe('POST /users/me/notifications/:id/read', () => {
    it('answers 204, again 204 (idempotent), and sets readAt', async () => {
      const user = uniqueUser();
      const [id] = await notifications(user, 1);
      const first = await notifier.http('POST', `/users/me/notifications/${id}/read`, { as: user });
      const again = await notifier.http('POST', `/users/me/notifications/${id}/read`, { as: user });
      expect([first.status, again.status]).toEqual([204, 204]);
      const page = await notifier.http('GET', '/users/me/notifications', { as: user });
      expect(page.body.items[0].readAt).toMatch(/Z$/);
    });

    it('tells every open tab of the user with `event: read`, without an id', async () => {
      const user = uniqueUser();
      const [id] = await notifications(user, 1);
      const tabs = [await stream(user), await stream(user)];
      await notifier.http('POST', `/users/me/notifications/${id}/read`, { as: user });
      for (const tab of tabs) {
        await waitFor(() => tab.events.some((event) => event.event === 'read'), 'a read event');
        expect(tab.events).toEqual([{ event: 'read', data: JSON.stringify({ ids: [id] }) }]);
        expect(tab.raw).toContain(`event: read\ndata: {"ids":["${id}"]}\n\n`);
      }
    });

    it('answers 404 for another user’s notification and leaves it unread', async () => {
      const owner = uniqueUser('owner');
      const [id] = await notifications(owner, 1);
      const answer = await notifier.http('POST', `/users/me/notifications/${id}/read`, {
        as: uniqueUser(),
      });
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect(
        (await notifier.http('GET', '/users/me/notifications/unread-count', { as: owner })).body
          .count,
      ).toBe(1);
    });

    it('answers 404 for an id that does not exist', async () => {
      const answer = await notifier.http(
        'POST',
        '/users/me/notifications/9223372036854775807/read',
        { as: uniqueUser() },
      );
      expect(answer.status).toBe(404);
    });

    it.each(['abc', '-1', '1.5', '9223372036854775808', "1'%3B--"])(
      'answers 400 for the id %s',
      async (id) => {
        const answer = await notifier.http('POST', `/users/me/notifications/${id}/read`, {
          as: uniqueUser(),
        });
        expect(answer.status).toBe(400);
        expect(answer.body.message).toContain('id');
      },
    );

    it('answers 401 without a token', async () => {
      expect((await notifier.http('POST', '/users/me/notifications/1/read')).status).toBe(401);
    });
  });

  describe('POST /users/me/notifications/read-all', () => {
    it('marks all read, says how many, and tells open tabs up to which id', async () => {
      const user = uniqueUser();
      const ids = await notifications(user, 4);
      const tab = await stream(user);
      const answer = await notifier.http('POST', '/users/me/notifications/read-all', { as: user });
      expect(answer).toMatchObject({ status: 200, body: { updated: 4 } });
      await waitFor(() => tab.events.length > 0, 'a read event');
      expect(tab.events).toEqual([{ event: 'read', data: JSON.stringify({ upTo: ids[3] }) }]);
      expect(
        (await notifier.http('GET', '/users/me/notifications/unread-count', { as: user })).body
          .count,
      ).toBe(0);

      const again = await notifier.http('POST', '/users/me/notifications/read-all', { as: user });
      expect(again.body).toEqual({ updated: 0 });
      await sleep(100);
      expect(tab.events).toHaveLength(1);
    });

    it('answers 401 without a token', async () => {
      expect((await notifier.http('POST', '/users/me/notifications/read-all')).status).toBe(401);
    });
  });
});
