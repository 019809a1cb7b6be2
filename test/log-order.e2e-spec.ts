import { useNotifier } from './support/notifier-fixture';
import { uniqueUser } from './support/users';

describe('pages of the log over REST', () => {
  const { notifier, producer } = useNotifier();

  const ids = (page: { items: { id: string }[] }) => page.items.map((item) => item.id);

  it('follow the ids as numbers, also where they gain a digit (9, then 10)', async () => {
    const user = uniqueUser();
    await producer.notifyMany(user, 12);
    const logIds = await producer.waitForLogIds(user, 12);
    expect(logIds.map((id) => id.length)).toContain(1);
    expect(logIds.map((id) => id.length)).toContain(2);

    const inbox = await notifier.http('GET', '/users/me/notifications?limit=12', { as: user });
    expect(ids(inbox.body)).toEqual([...logIds].reverse());
    const admin = await notifier.http('GET', `/admin/notifications?userId=${user}&limit=12`, {
      as: 'admin',
    });
    expect(ids(admin.body)).toEqual(logIds);
  });
});
