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

  /** POSTs a body written as text: JSON.stringify of a parsed value would round it here. */
  async function postNotification(body: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${notifier.baseUrl}/admin/notifications`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body,
    });
    return { status: response.status, body: await response.json() };
  }

  /** What Postgres stores for the same text, as a producer's INSERT would. */
  const asJsonb = async (text: string) =>
    (await producer.pool.query<{ text: string }>('SELECT $1::jsonb::text AS text', [text])).rows[0]
      .text;

  it.each([
    ['2^53 + 1', '{"n":9007199254740993}'],
    ['a decimal past double precision', '{"d":0.1000000000000000055511151231257827}'],
    ['a number past double range', '{"big":1e400}'],
    ['a 30-digit integer', '[123456789012345678901234567890]'],
    ['negative zero and an exponent', '{"z":-0,"e":1.5E+3,"deep":[{"n":-9007199254740993}]}'],
    ['a repeated key (the last one counts, as in Postgres)', '{"k":1,"k":18446744073709551617}'],
  ])('keeps %s exact when an admin POSTs it', async (_, payload) => {
    const user = uniqueUser();
    const answer = await postNotification(
      `{"userId":${JSON.stringify(user)},"type":"exact","payload":${payload}}`,
    );
    expect(answer.status).toBe(202);
    await producer.waitForLogIds(user, 1);
    const { rows } = await producer.pool.query<{ payload: string }>(
      'SELECT payload::text AS payload FROM notifications WHERE user_id = $1',
      [user],
    );
    expect(rows.map((row) => row.payload)).toEqual([await asJsonb(payload)]);
  });
});
