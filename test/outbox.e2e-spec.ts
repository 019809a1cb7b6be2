import { useDatabase } from './support/notifier-fixture';

describe('INSERT INTO notification_outbox (producers)', () => {
  const { producer } = useDatabase();

  const insert = (userId: unknown, type?: unknown, payload?: string) =>
    producer.pool.query(
      `INSERT INTO notification_outbox (user_id, type, payload)
       VALUES ($1, coalesce($2, 'message'), coalesce($3::jsonb, '{}'))`,
      [userId, type ?? null, payload ?? null],
    );

  it('accepts a row with only a user id, defaulting the type, payload and time', async () => {
    const { rows } = await producer.pool.query<{
      type: string;
      payload: unknown;
      created_at: Date;
    }>(
      `INSERT INTO notification_outbox (user_id) VALUES ('alice') RETURNING type, payload, created_at`,
    );
    expect(rows[0]).toMatchObject({ type: 'message', payload: {} });
    expect(rows[0].created_at).toBeInstanceOf(Date);
  });

  it('accepts the limits themselves', async () => {
    await expect(insert('u'.repeat(200), 'a'.repeat(100))).resolves.toBeDefined();
    await expect(insert('ünïcødé 用户 🙂', 'order.shipped:v2_x-y')).resolves.toBeDefined();
    // The rule measures Postgres's own serialization, `{"s": "…"}`: 9 bytes around the text.
    const { rows } = await producer.pool.query<{ size: number }>(
      `INSERT INTO notification_outbox (user_id, payload) VALUES ('u', jsonb_build_object('s', repeat('x', 65527)))
       RETURNING octet_length(payload::text) AS size`,
    );
    expect(rows[0].size).toBe(65536);
    await expect(
      producer.pool.query(
        `INSERT INTO notification_outbox (user_id, payload) VALUES ('u', jsonb_build_object('s', repeat('x', 65528)))`,
      ),
    ).rejects.toMatchObject({ constraint: 'outbox_payload_at_most_64_kib' });
  });

  it.each([
    [
      'an empty user id',
      '',
      null,
      null,
      'outbox_user_id_1_to_200_chars_without_control_characters',
    ],
    [
      'a 201-character user id',
      'u'.repeat(201),
      null,
      null,
      'outbox_user_id_1_to_200_chars_without_control_characters',
    ],
    [
      'a user id with a newline',
      'a\nb',
      null,
      null,
      'outbox_user_id_1_to_200_chars_without_control_characters',
    ],
    [
      'a user id with an escape character',
      'a\u001bb',
      null,
      null,
      'outbox_user_id_1_to_200_chars_without_control_characters',
    ],
    [
      'a user id with a C1 control',
      'a\u0085b',
      null,
      null,
      'outbox_user_id_1_to_200_chars_without_control_characters',
    ],
    [
      'an empty type',
      'u',
      '',
      null,
      'outbox_type_matches_a_z_0_9_dot_colon_dash_underscore_1_to_100',
    ],
    [
      'a type with a space',
      'u',
      'a b',
      null,
      'outbox_type_matches_a_z_0_9_dot_colon_dash_underscore_1_to_100',
    ],
    [
      'a type with a newline',
      'u',
      'a\nevent: x',
      null,
      'outbox_type_matches_a_z_0_9_dot_colon_dash_underscore_1_to_100',
    ],
    [
      'a 101-character type',
      'u',
      'a'.repeat(101),
      null,
      'outbox_type_matches_a_z_0_9_dot_colon_dash_underscore_1_to_100',
    ],
    [
      'a payload over 64 KiB',
      'u',
      null,
      JSON.stringify({ s: 'x'.repeat(65536) }),
      'outbox_payload_at_most_64_kib',
    ],
  ])('rejects %s with an error naming the rule', async (_, userId, type, payload, constraint) => {
    await expect(insert(userId, type, payload ?? undefined)).rejects.toMatchObject({
      code: '23514',
      constraint,
      message: expect.stringContaining(constraint) as string,
    });
  });

  it('rejects a NULL user id and SQL NULL payload', async () => {
    await expect(
      producer.pool.query(`INSERT INTO notification_outbox (user_id) VALUES (NULL)`),
    ).rejects.toMatchObject({
      code: '23502',
      column: 'user_id',
    });
    await expect(
      producer.pool.query(`INSERT INTO notification_outbox (user_id, payload) VALUES ('u', NULL)`),
    ).rejects.toMatchObject({ code: '23502', column: 'payload' });
  });

  it('lets nothing invalid reach the log', async () => {
    await expect(insert('')).rejects.toMatchObject({ code: '23514' });
    const { rows } = await producer.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notifications WHERE user_id = ''`,
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('the drain (outbox → log)', () => {
  const { producer } = useDatabase();

  /** The plans of every statement a drain runs, as auto_explain reports them to the session. */
  async function drainPlans(batch: number): Promise<string[]> {
    const client = await producer.pool.connect();
    const plans: string[] = [];
    const onNotice = (notice: { message?: string }) => plans.push(notice.message ?? '');
    try {
      await client.query(`LOAD 'auto_explain'`);
      await client.query(`SET auto_explain.log_min_duration = 0`);
      await client.query(`SET auto_explain.log_nested_statements = on`);
      await client.query(`SET auto_explain.log_level = notice`);
      // The plan a busy drain settles on: PL/pgSQL switches to a cached generic plan.
      await client.query(`SET plan_cache_mode = force_generic_plan`);
      client.on('notice', onNotice);
      await client.query('SELECT * FROM notifier_drain_outbox($1)', [batch]);
    } finally {
      client.off('notice', onNotice);
      client.release(true);
    }
    return plans;
  }

  it('reads the outbox through its primary key, whatever rows earlier drains left dead', async () => {
    await producer.pool.query(
      `INSERT INTO notification_outbox (user_id, payload)
       SELECT 'drained-' || n % 100, jsonb_build_object('n', n) FROM generate_series(1, 20000) AS n`,
    );
    await producer.pool.query('SELECT * FROM notifier_drain_outbox(19000)');
    await producer.pool.query('ANALYZE notification_outbox');

    const plans = await drainPlans(500);
    const drain = plans.find((plan) => plan.includes('Delete on notification_outbox'));
    expect(drain).toContain('Index Scan using notification_outbox_pkey');
    expect(drain).not.toContain('Seq Scan on notification_outbox');
  });

  it('stores each payload with its size as the stream sends it', async () => {
    await producer.pool.query(
      `INSERT INTO notification_outbox (user_id, payload) VALUES ('sized', '{"text": "héllo",  "n": [1, 2]}')`,
    );
    await producer.pool.query('SELECT * FROM notifier_drain_outbox(1000)');
    const { rows } = await producer.pool.query<{ bytes: number; text: string }>(
      `SELECT payload_bytes AS bytes, payload::text AS text FROM notifications WHERE user_id = 'sized'`,
    );
    expect(rows).toEqual([
      { bytes: Buffer.byteLength(rows[0].text), text: '{"n": [1, 2], "text": "héllo"}' },
    ]);
  });

  it('cuts its batch by the bytes the stream sends, however well Postgres compresses them', async () => {
    // 60 KB of one letter: Postgres stores each in well under a kilobyte.
    await producer.pool.query(
      `INSERT INTO notification_outbox (user_id, payload)
       SELECT 'compressible', jsonb_build_object('text', repeat('a', 60000)) FROM generate_series(1, 20)`,
    );
    const maxBytes = 200_000;
    const { rows } = await producer.pool.query<{ bytes: number }>(
      `SELECT octet_length(payload::text) AS bytes FROM notifier_drain_outbox(1000, $1) WHERE id IS NOT NULL`,
      [maxBytes],
    );
    const sent = rows.reduce((sum, row) => sum + row.bytes, 0);
    // Cut after the payload that reaches the budget, as a page is.
    expect(rows.length).toBeGreaterThan(0);
    expect(sent - rows[rows.length - 1].bytes).toBeLessThan(maxBytes);
    expect(rows).toHaveLength(Math.ceil(maxBytes / rows[0].bytes));
  });
});
