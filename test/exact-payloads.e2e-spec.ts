import { useNotifier } from './support/notifier-fixture';
import { TEST_ADMIN_TOKEN } from './support/tokens';
import { uniqueUser } from './support/users';
import { waitFor } from './support/wait-for';

/** 2^53 + 1: the first integer a JavaScript number cannot hold, so a parse would make it …992. */
const STORED = '{"n": 9007199254740993}';

describe('a payload reads back as Postgres stores it', () => {
  const { notifier, producer } = useNotifier();

  /** The body as the client receives it: parsing it here would round the number itself. */
  async function rawJson(path: string, as: string): Promise<string> {
    const token = as === 'admin' ? TEST_ADMIN_TOKEN : notifier.tokenFor(as);
    const response = await fetch(`${notifier.baseUrl}${path}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    return response.text();
  }

  it('keeps 9007199254740993 exact on the stream, in the inbox and in the admin API', async () => {
    const user = uniqueUser();
    const live = await notifier.stream(user);
    await waitFor(() => live.retry !== undefined, 'the stream to open');
    await producer.pool.query(
      `INSERT INTO notification_outbox (user_id, payload) VALUES ($1, $2::jsonb)`,
      [user, STORED],
    );
    const [id] = await producer.waitForLogIds(user, 1);
    const [sent] = await live.waitForMessages(1);
    const replay = await notifier.stream(user, { headers: { 'Last-Event-ID': '0' } });
    const [replayed] = await replay.waitForMessages(1);
    live.close();
    replay.close();

    const answers = {
      live: sent.data,
      replayed: replayed.data,
      inbox: await rawJson('/users/me/notifications', user),
      adminList: await rawJson(`/admin/notifications?userId=${user}`, 'admin'),
      adminOne: await rawJson(`/admin/notifications/${id}`, 'admin'),
    };
    for (const [where, text] of Object.entries(answers)) {
      expect([where, text]).toEqual([where, expect.stringContaining(`"payload":${STORED}`)]);
    }
  });
});
