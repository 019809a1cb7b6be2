import type { PoolClient } from 'pg';
import { RetentionJob } from '../apps/notifier/src/retention/retention-job';
import { useDatabase, useNotifier } from './support/notifier-fixture';
import type { SseRecording } from './support/sse-client';
import { uniqueUser } from './support/users';
import { sample } from './support/metrics';

const DAY_MS = 24 * 60 * 60 * 1000;

interface Row {
  user: string;
  text: string;
  key?: string;
}

/** One producer transaction writing these outbox rows, in order. */
async function write(client: { query: PoolClient['query'] }, rows: Row[]): Promise<void> {
  await client.query(
    `INSERT INTO notification_outbox (user_id, payload, dedupe_key)
     SELECT user_id, jsonb_build_object('text', text), key
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS row (user_id, text, key, n)
     ORDER BY n`,
    [rows.map((row) => row.user), rows.map((row) => row.text), rows.map((row) => row.key ?? null)],
  );
}

const texts = (recording: SseRecording) =>
  recording.messages.map(
    (event) => (JSON.parse(event.data) as { payload: { text: string } }).payload.text,
  );

describe('producers that retry notify once (outbox dedupe_key)', () => {
  const { notifier, producer } = useNotifier({ env: { RETENTION_DAYS: '30' } });

  const logTexts = async (user: string) => {
    const { rows } = await producer.pool.query<{ text: string }>(
      `SELECT payload->>'text' AS text FROM notifications WHERE user_id = $1 ORDER BY id`,
      [user],
    );
    return rows.map((row) => row.text);
  };
  const deduplicated = async () => {
    const metrics = (await notifier.http('GET', '/metrics')).body as string;
    const count = sample(metrics, 'notifier_notifications_deduplicated_total');
    if (count === undefined)
      throw new Error('no notifier_notifications_deduplicated_total in /metrics');
    return count;
  };
  /** Writes a keyless row last and waits for it: every row written before was drained by then. */
  const drained = async (user: string, recording: SseRecording) => {
    await write(producer.pool, [{ user, text: 'end' }]);
    await recording.waitForMessages(texts(recording).length + 1);
    await waitUntilLast(recording, 'end');
  };
  const waitUntilLast = async (recording: SseRecording, text: string) => {
    const deadline = Date.now() + 10_000;
    while (texts(recording).at(-1) !== text) {
      if (Date.now() > deadline) throw new Error(`"${text}" never reached the stream`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('delivers the first of two transactions with one key and drops the second, counting it', async () => {
    const user = uniqueUser();
    const stream = await notifier.stream(user);
    const before = await deduplicated();

    await write(producer.pool, [{ user, text: 'order 7 paid', key: 'order-7-paid' }]);
    await waitUntilLast(stream, 'order 7 paid');
    await write(producer.pool, [{ user, text: 'order 7 paid, retried', key: 'order-7-paid' }]);
    await drained(user, stream);

    expect(texts(stream)).toEqual(['order 7 paid', 'end']);
    expect(await logTexts(user)).toEqual(['order 7 paid', 'end']);
    expect(await deduplicated()).toBe(before + 1);
    const inbox = await notifier.http('GET', '/users/me/notifications', { as: user });
    expect(inbox.body.items).toHaveLength(2);
  });

  it('keeps the first of two rows with one key written in one transaction', async () => {
    const user = uniqueUser();
    const stream = await notifier.stream(user);
    const client = await producer.pool.connect();
    try {
      await client.query('BEGIN');
      await write(client, [{ user, text: 'first', key: 'k' }]);
      await write(client, [{ user, text: 'second', key: 'k' }]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await drained(user, stream);
    expect(texts(stream)).toEqual(['first', 'end']);
  });

  it('never deduplicates rows without a key, however alike', async () => {
    const user = uniqueUser();
    const stream = await notifier.stream(user);
    const before = await deduplicated();
    await write(producer.pool, [
      { user, text: 'same' },
      { user, text: 'same' },
    ]);
    await write(producer.pool, [{ user, text: 'same' }]);
    await drained(user, stream);
    expect(texts(stream)).toEqual(['same', 'same', 'same', 'end']);
    expect(await deduplicated()).toBe(before);
  });

  it('keys are per user: the same key for two users reaches both', async () => {
    const [alice, bob] = [uniqueUser('alice'), uniqueUser('bob')];
    const [aliceStream, bobStream] = await Promise.all([
      notifier.stream(alice),
      notifier.stream(bob),
    ]);
    await write(producer.pool, [
      { user: alice, text: 'welcome', key: 'welcome' },
      { user: bob, text: 'welcome', key: 'welcome' },
    ]);
    await drained(alice, aliceStream);
    await drained(bob, bobStream);
    expect(texts(aliceStream)).toEqual(['welcome', 'end']);
    expect(texts(bobStream)).toEqual(['welcome', 'end']);
  });

  it('keeps the key in the log, unique per user', async () => {
    const user = uniqueUser();
    const stream = await notifier.stream(user);
    await write(producer.pool, [{ user, text: 'kept', key: 'kept-key' }]);
    await drained(user, stream);
    const { rows } = await producer.pool.query<{ key: string | null }>(
      `SELECT dedupe_key AS key FROM notifications WHERE user_id = $1 ORDER BY id`,
      [user],
    );
    expect(rows).toEqual([{ key: 'kept-key' }, { key: null }]);
    await expect(
      producer.pool.query(
        `INSERT INTO notifications (id, user_id, type, payload, payload_bytes, created_at, dedupe_key)
         VALUES (nextval('notifications_id_seq'), $1, 'message', '{}', 2, now(), 'kept-key')`,
        [user],
      ),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it.each([
    ['a key of 201 characters', 'k'.repeat(201)],
    ['an empty key', ''],
    ['a key with a newline', 'a\nb'],
    ['a key with a C1 control', 'a\u0085b'],
  ])('refuses %s with an error naming the dedupe rule', async (_, key) => {
    await expect(
      write(producer.pool, [{ user: uniqueUser(), text: 'x', key }]),
    ).rejects.toMatchObject({
      code: '23514',
      constraint: expect.stringContaining('dedupe') as string,
    });
  });

  it('accepts a key of 200 characters', async () => {
    const user = uniqueUser();
    const stream = await notifier.stream(user);
    await write(producer.pool, [{ user, text: 'long key', key: 'ü'.repeat(200) }]);
    await drained(user, stream);
    expect(texts(stream)).toEqual(['long key', 'end']);
  });

  it('delivers a key again once retention removed the notification that had it', async () => {
    const user = uniqueUser();
    const stream = await notifier.stream(user);
    await write(producer.pool, [{ user, text: 'monthly report', key: 'report' }]);
    await waitUntilLast(stream, 'monthly report');
    await notifier.app.get(RetentionJob).run(new Date(Date.now() + 31 * DAY_MS));
    expect(await logTexts(user)).toEqual([]);

    await write(producer.pool, [{ user, text: 'next monthly report', key: 'report' }]);
    await drained(user, stream);
    expect(texts(stream)).toEqual(['monthly report', 'next monthly report', 'end']);
  });
});

describe('a drain that fails half-way, with dedupe keys', () => {
  const { producer } = useDatabase();

  /** Drains a batch; returns the ids of the rows it appended. */
  const drain = async (batch: number) =>
    (
      await producer.pool.query<{ id: string | null }>(
        `SELECT id::text FROM notifier_drain_outbox($1)`,
        [batch],
      )
    ).rows.flatMap((row) => (row.id === null ? [] : [row.id]));
  const log = async () =>
    (
      await producer.pool.query<{ text: string }>(
        `SELECT payload->>'text' AS text FROM notifications ORDER BY id`,
      )
    ).rows.map((row) => row.text);

  it('loses nothing and doubles nothing: the failed batch is drained again, its duplicates dropped once', async () => {
    const user = uniqueUser();
    await write(producer.pool, [
      { user, text: 'a', key: 'k1' },
      { user, text: 'b', key: 'k2' },
      { user, text: 'c', key: 'k1' },
    ]);
    await write(producer.pool, [
      { user, text: 'd', key: 'k2' },
      { user, text: 'e', key: 'k3' },
      { user, text: 'f', key: 'k3' },
      { user, text: 'g' },
    ]);
    expect(await drain(3)).toHaveLength(2);

    // The second batch fails after part of it was inserted into the log.
    await producer.pool.query(`
      CREATE FUNCTION test_fail_on_g() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the drain fails half-way'; END $$`);
    await producer.pool.query(`
      CREATE TRIGGER test_fail_on_g AFTER INSERT ON notifications
      FOR EACH ROW WHEN (NEW.payload->>'text' = 'g') EXECUTE FUNCTION test_fail_on_g()`);
    await expect(drain(1000)).rejects.toThrow('the drain fails half-way');
    expect(await log()).toEqual(['a', 'b']);

    await producer.pool.query(`DROP TRIGGER test_fail_on_g ON notifications`);
    expect(await drain(1000)).toHaveLength(2);
    expect(await log()).toEqual(['a', 'b', 'e', 'g']);
    const { rows } = await producer.pool.query(
      `SELECT count(*)::int AS n FROM notification_outbox`,
    );
    expect(rows).toEqual([{ n: 0 }]);
  });
});
