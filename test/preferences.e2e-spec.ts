import { useNotifier } from './support/notifier-fixture';
import { uniqueUser } from './support/users';

const PATH = '/users/me/preferences';

describe('GET and PUT /users/me/preferences', () => {
  const { notifier } = useNotifier();

  const read = (user: string) => notifier.http('GET', PATH, { as: user });
  const replace = (user: string, body: unknown) => notifier.http('PUT', PATH, { as: user, body });

  it('are empty for a user who set nothing', async () => {
    const answer = await read(uniqueUser());
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ push: { mutedTypes: [] } });
  });

  it('are replaced by PUT, which answers 200 with what was stored', async () => {
    const user = uniqueUser();
    const preferences = { push: { mutedTypes: ['chat.message', 'billing.*', 'a'.repeat(100)] } };
    const stored = await replace(user, preferences);
    expect(stored.status).toBe(200);
    expect(stored.body).toEqual(preferences);
    expect((await read(user)).body).toEqual(preferences);

    const emptied = await replace(user, { push: { mutedTypes: [] } });
    expect(emptied.body).toEqual({ push: { mutedTypes: [] } });
    expect((await read(user)).body).toEqual({ push: { mutedTypes: [] } });
  });

  it('belong to the signed-in user alone', async () => {
    const [alice, bob] = [uniqueUser('alice'), uniqueUser('bob')];
    await replace(alice, { push: { mutedTypes: ['chat.*'] } });
    expect((await read(bob)).body).toEqual({ push: { mutedTypes: [] } });
  });

  it('store a pattern named twice once', async () => {
    const answer = await replace(uniqueUser(), { push: { mutedTypes: ['chat.*', 'chat.*', 'a'] } });
    expect(answer.body).toEqual({ push: { mutedTypes: ['chat.*', 'a'] } });
  });

  it('accept 100 patterns', async () => {
    const mutedTypes = Array.from({ length: 100 }, (_, n) => `type.${n}`);
    expect((await replace(uniqueUser(), { push: { mutedTypes } })).status).toBe(200);
  });

  it.each<[string, unknown]>([
    ['no body', undefined],
    ['an empty object', {}],
    ['an array', []],
    ['push null', { push: null }],
    ['push an array', { push: [] }],
    ['no mutedTypes', { push: {} }],
    ['mutedTypes null', { push: { mutedTypes: null } }],
    ['mutedTypes a string', { push: { mutedTypes: 'chat.message' } }],
    ['a number among the patterns', { push: { mutedTypes: [1] } }],
    ['an empty pattern', { push: { mutedTypes: [''] } }],
    ['a pattern with a space', { push: { mutedTypes: ['chat message'] } }],
    ['a * that does not end the pattern', { push: { mutedTypes: ['chat.*.sent'] } }],
    ['a * alone', { push: { mutedTypes: ['*'] } }],
    ['two * at the end', { push: { mutedTypes: ['chat**'] } }],
    ['a type of 101 characters', { push: { mutedTypes: ['a'.repeat(101)] } }],
    ['a newline', { push: { mutedTypes: ['chat\nmessage'] } }],
    ['101 patterns', { push: { mutedTypes: Array.from({ length: 101 }, (_, n) => `t${n}`) } }],
  ])('refuse %s with 400 naming push.mutedTypes', async (_, body) => {
    const user = uniqueUser();
    await replace(user, { push: { mutedTypes: ['kept'] } });
    const answer = await notifier.http('PUT', PATH, {
      as: user,
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body.message)).toContain('push.mutedTypes');
    expect((await read(user)).body).toEqual({ push: { mutedTypes: ['kept'] } });
  });

  it('need the Authorization header to change: a cookie or access_token parameter alone is 401', async () => {
    const user = uniqueUser();
    const token = notifier.tokenFor(user);
    const body = { push: { mutedTypes: ['chat.*'] } };
    const byCookie = await notifier.http('PUT', PATH, {
      body,
      headers: { Cookie: `access_token=${token}` },
    });
    expect(byCookie.status).toBe(401);
    expect(byCookie.body.message).toMatch(/Authorization header/);
    const byQuery = await notifier.http('PUT', `${PATH}?access_token=${token}`, { body });
    expect(byQuery.status).toBe(401);
    expect((await notifier.http('PUT', PATH, { body })).status).toBe(401);
    expect((await read(user)).body).toEqual({ push: { mutedTypes: [] } });

    // Reading is a GET: the cookie is enough.
    const readByCookie = await notifier.http('GET', PATH, {
      headers: { Cookie: `access_token=${token}` },
    });
    expect(readByCookie.status).toBe(200);
  });
});
