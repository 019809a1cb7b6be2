import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Pool } from 'pg';
import { useNotifier } from './support/notifier-fixture';
import type { SseRecording } from './support/sse-client';
import { TEST_ADMIN_TOKEN } from './support/tokens';
import { uniqueUser } from './support/users';
import { waitFor } from './support/wait-for';

interface Received {
  type: string;
  payload: Record<string, unknown>;
}

const SENTINEL = 'test.sentinel';

describe('watching a table: its row changes notify their owners', () => {
  const { notifier, producer } = useNotifier();
  let sql: Pool;

  /** Every table a freshly migrated database holds: all of them are the service's own. */
  let ownTables: string[];
  /** A column of each, so that only the table itself can be the reason for a refusal. */
  const firstColumn = async (table: string) => {
    const { rows } = await sql.query<{ name: string }>(
      `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum = 1`,
      [table],
    );
    return rows[0].name;
  };

  beforeAll(async () => {
    sql = producer.pool;
    const { rows } = await sql.query<{ name: string }>(
      `SELECT relname AS name FROM pg_class
       WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p')
       ORDER BY relname`,
    );
    ownTables = rows.map((row) => row.name);
  });

  const stream = (user: string): Promise<SseRecording> => notifier.stream(user);

  /** A fresh table of orders, named so that no other test touches it. */
  const createOrders = async (name = `orders_${randomBytes(4).toString('hex')}`) => {
    await sql.query(
      `CREATE TABLE ${name} (id bigserial PRIMARY KEY, customer_id text, status text, note text)`,
    );
    return name;
  };

  const watch = (table: string, userColumn: string, type?: string, columns?: string[]) =>
    sql.query(`SELECT notifier_watch($1::regclass, $2, $3, $4::text[])`, [
      table,
      userColumn,
      type ?? null,
      columns ?? null,
    ]);

  /**
   * Everything the user received before a sentinel notification written after the changes under
   * test: the outbox is drained in order, so whatever those changes wrote arrives before it. This
   * proves "nothing was sent" without waiting for an arbitrary time.
   */
  const receivedBeforeSentinel = async (recording: SseRecording, user: string) => {
    await producer.notify(user, {}, SENTINEL);
    await waitFor(() => recording.messages.some((m) => m.data.includes(SENTINEL)), 'the sentinel');
    const received = recording.messages.map((m) => JSON.parse(m.data) as Received);
    const sentinelAt = received.findIndex((m) => m.type === SENTINEL);
    return received.slice(0, sentinelAt).map(({ type, payload }) => ({ type, payload }));
  };

  describe('insert, update and delete', () => {
    it('notify the row’s user with the operation, the key and the row', async () => {
      const table = await createOrders();
      await watch(table, 'customer_id');
      const alice = uniqueUser('alice');
      const bob = uniqueUser('bob');
      const aliceStream = await stream(alice);
      const bobStream = await stream(bob);

      await sql.query(`INSERT INTO ${table} (customer_id, status) VALUES ($1, 'new')`, [alice]);
      await sql.query(`UPDATE ${table} SET status = 'paid' WHERE id = 1`);
      await sql.query(`DELETE FROM ${table} WHERE id = 1`);

      const common = { schema: 'public', table, key: { id: 1 } };
      const paid = { id: 1, customer_id: alice, status: 'paid', note: null };
      expect(await receivedBeforeSentinel(aliceStream, alice)).toEqual([
        {
          type: `${table}.insert`,
          payload: { op: 'insert', ...common, row: { ...paid, status: 'new' } },
        },
        {
          type: `${table}.update`,
          payload: { op: 'update', ...common, row: paid, changed: ['status'] },
        },
        { type: `${table}.delete`, payload: { op: 'delete', ...common, row: paid } },
      ]);
      expect(await receivedBeforeSentinel(bobStream, bob)).toEqual([]);
    });

    it('use the given type for every operation', async () => {
      const table = await createOrders();
      await watch(table, 'customer_id', 'order.changed');
      const user = uniqueUser();
      const recording = await stream(user);

      await sql.query(`INSERT INTO ${table} (customer_id) VALUES ($1)`, [user]);
      await sql.query(`DELETE FROM ${table}`);

      const received = await receivedBeforeSentinel(recording, user);
      expect(received.map((m) => [m.type, m.payload.op])).toEqual([
        ['order.changed', 'insert'],
        ['order.changed', 'delete'],
      ]);
    });

    it('notify the new owner when an update moves the row to another user', async () => {
      const table = await createOrders();
      const [before, after] = [uniqueUser('before'), uniqueUser('after')];
      await sql.query(`INSERT INTO ${table} (customer_id) VALUES ($1)`, [before]);
      await watch(table, 'customer_id');
      const [beforeStream, afterStream] = [await stream(before), await stream(after)];

      await sql.query(`UPDATE ${table} SET customer_id = $1`, [after]);

      expect(await receivedBeforeSentinel(afterStream, after)).toEqual([
        expect.objectContaining({
          payload: expect.objectContaining({ changed: ['customer_id'] }) as unknown,
        }),
      ]);
      // As docs/producers.md says: one user per change, the row's owner now.
      expect(await receivedBeforeSentinel(beforeStream, before)).toEqual([]);
    });
  });

  describe('TRUNCATE', () => {
    it('notifies nobody, as docs/producers.md says: Postgres fires no row trigger for it', async () => {
      const table = await createOrders();
      const owner = uniqueUser('owner');
      await sql.query(`INSERT INTO ${table} (customer_id) VALUES ($1), ($1)`, [owner]);
      await watch(table, 'customer_id');
      const ownerStream = await stream(owner);

      await sql.query(`TRUNCATE ${table}`);

      expect((await sql.query(`SELECT FROM ${table}`)).rowCount).toBe(0);
      expect(await receivedBeforeSentinel(ownerStream, owner)).toEqual([]);
    });
  });

  describe('watching a watched table again', () => {
    it('replaces its settings and still notifies once per change', async () => {
      const table = await createOrders();
      await watch(table, 'customer_id');
      await watch(table, 'customer_id', 'order.changed', ['status']);
      const user = uniqueUser();
      const recording = await stream(user);

      await sql.query(`INSERT INTO ${table} (customer_id, status) VALUES ($1, 'new')`, [user]);

      expect(await receivedBeforeSentinel(recording, user)).toEqual([
        {
          type: 'order.changed',
          payload: expect.objectContaining({ row: { status: 'new' } }) as unknown,
        },
      ]);
      const { rows } = await sql.query(`SELECT type, columns FROM notifier_watches`);
      expect(rows).toContainEqual({ type: 'order.changed', columns: ['status'] });
    });
  });

  describe('notifier_unwatch', () => {
    it('stops the notifications and removes the trigger', async () => {
      const table = await createOrders();
      await watch(table, 'customer_id');
      const user = uniqueUser();
      const recording = await stream(user);

      const { rows } = await sql.query<{ unwatched: boolean }>(
        `SELECT notifier_unwatch($1::regclass) AS unwatched`,
        [table],
      );
      await sql.query(`INSERT INTO ${table} (customer_id) VALUES ($1)`, [user]);

      expect(rows[0].unwatched).toBe(true);
      expect(await receivedBeforeSentinel(recording, user)).toEqual([]);
      const triggers = await sql.query(`SELECT FROM pg_trigger WHERE tgrelid = $1::regclass`, [
        table,
      ]);
      expect(triggers.rowCount).toBe(0);
    });

    it('answers false for a table that is not watched', async () => {
      const table = await createOrders();
      const { rows } = await sql.query<{ unwatched: boolean }>(
        `SELECT notifier_unwatch($1::regclass) AS unwatched`,
        [table],
      );
      expect(rows[0].unwatched).toBe(false);
    });
  });

  describe('transactions', () => {
    it('a rolled-back change notifies nobody; a committed one after it does', async () => {
      const table = await createOrders();
      await watch(table, 'customer_id');
      const user = uniqueUser();
      const recording = await stream(user);

      const client = await sql.connect();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO ${table} (customer_id, status) VALUES ($1, 'lost')`, [
          user,
        ]);
        await client.query('ROLLBACK');
        await client.query(`INSERT INTO ${table} (customer_id, status) VALUES ($1, 'kept')`, [
          user,
        ]);
      } finally {
        client.release();
      }

      const received = await receivedBeforeSentinel(recording, user);
      expect(received.map((m) => (m.payload.row as { status: string }).status)).toEqual(['kept']);
    });
  });

  describe('table names', () => {
    it('handles a quoted name with a quote and a space, given a type', async () => {
      await sql.query(`CREATE TABLE "Order ""Items""" ("Id" int PRIMARY KEY, "Owner" text)`);
      await watch('"Order ""Items"""', 'Owner', 'order.items');
      const user = uniqueUser();
      const recording = await stream(user);

      await sql.query(`INSERT INTO "Order ""Items""" VALUES (7, $1)`, [user]);

      expect(await receivedBeforeSentinel(recording, user)).toEqual([
        {
          type: 'order.items',
          payload: {
            op: 'insert',
            schema: 'public',
            table: 'Order "Items"',
            key: { Id: 7 },
            row: { Id: 7, Owner: user },
          },
        },
      ]);
    });

    it('handles a schema prefix', async () => {
      await sql.query(`CREATE SCHEMA sales`);
      await sql.query(`CREATE TABLE sales.invoices (id int PRIMARY KEY, user_id text)`);
      await watch('sales.invoices', 'user_id');
      const user = uniqueUser();
      const recording = await stream(user);

      await sql.query(`INSERT INTO sales.invoices VALUES (1, $1)`, [user]);

      const [received] = await receivedBeforeSentinel(recording, user);
      expect(received).toMatchObject({
        type: 'invoices.insert',
        payload: { schema: 'sales', table: 'invoices' },
      });
    });

    it('refuses a name that cannot make the default type, and says what to do', async () => {
      await sql.query(`CREATE TABLE "order items" (id int PRIMARY KEY, user_id text)`);
      await expect(watch('"order items"', 'user_id')).rejects.toMatchObject({
        code: '22023',
        message: expect.stringContaining('cannot make a notification type') as string,
        hint: expect.stringContaining('Pass a type') as string,
      });
    });

    it.each([
      ['an unknown table', 'no_such_table', '42P01'],
      ['SQL in the name', 'orders; DROP TABLE notification_outbox', '42602'],
      ['too many dots', 'a.b.c.d', '42601'],
    ])('refuses %s without running it', async (_, name, code) => {
      await expect(watch(name, 'customer_id')).rejects.toMatchObject({ code });
      await expect(sql.query(`SELECT FROM notification_outbox`)).resolves.toBeDefined();
    });

    it('refuses an unknown schema without running it', async () => {
      // The server's own error for the name: 42P01 on PostgreSQL 18, 3F000 on 13 and 15.
      const code = await sql.query(`SELECT 'nowhere.orders'::regclass`).then(
        () => 'none',
        (error: { code: string }) => error.code,
      );
      expect(['42P01', '3F000']).toContain(code);
      await expect(watch('nowhere.orders', 'customer_id')).rejects.toMatchObject({ code });
      await expect(sql.query(`SELECT FROM notification_outbox`)).resolves.toBeDefined();
    });

    it.each([
      ['an unknown user column', ['missing'], 'has no column missing'],
      ['an unknown column in columns', ['customer_id', 'nope'], 'has no column nope'],
    ])('refuses %s', async (_, [userColumn, ...columns], message) => {
      const table = await createOrders();
      await expect(
        watch(table, userColumn, undefined, columns.length ? columns : undefined),
      ).rejects.toMatchObject({
        code: '42703',
        message: expect.stringContaining(message) as string,
      });
    });

    it('refuses a type that breaks the outbox rule, and a table without a primary key', async () => {
      const table = await createOrders();
      await expect(watch(table, 'customer_id', 'bad type')).rejects.toMatchObject({
        code: '22023',
      });
      await sql.query(`CREATE TABLE keyless (user_id text)`);
      await expect(watch('keyless', 'user_id')).rejects.toMatchObject({
        message: 'keyless has no primary key',
      });
    });
  });

  describe('a writer with a hostile search_path', () => {
    it('writes a watched table, and the notification reaches our outbox, not its own', async () => {
      await sql.query(`CREATE SCHEMA app`);
      await sql.query(`CREATE TABLE app.orders (id int PRIMARY KEY, customer_id text)`);
      await watch('app.orders', 'customer_id');
      const user = uniqueUser();
      const recording = await stream(user);
      const writer = await sql.connect();
      try {
        await writer.query(`SET search_path = app`);
        await writer.query(`INSERT INTO orders VALUES (1, $1)`, [user]);
        // Look-alikes earlier on the writer's path than ours, as any schema owner can make.
        await writer.query(
          `CREATE TABLE app.notification_outbox (user_id text, type text, payload jsonb)`,
        );
        await writer.query(`CREATE TABLE app.notifier_watches (LIKE public.notifier_watches)`);
        await writer.query(`INSERT INTO orders VALUES (2, $1)`, [user]);
        const { rows } = await writer.query(
          `SELECT count(*)::int AS n FROM app.notification_outbox`,
        );
        expect(rows[0].n).toBe(0);
      } finally {
        await writer.query(`RESET search_path`);
        writer.release();
      }

      const received = await receivedBeforeSentinel(recording, user);
      expect(received.map(({ type, payload }) => [type, payload.schema, payload.key])).toEqual([
        ['orders.insert', 'app', { id: 1 }],
        ['orders.insert', 'app', { id: 2 }],
      ]);
    });

    it('pins the search_path of every function of ours', async () => {
      const { rows } = await sql.query<{ fn: string; config: string[] | null; schema: string }>(
        `SELECT oid::regprocedure::text AS fn, proconfig AS config, current_schema() AS schema
         FROM pg_proc
         WHERE pronamespace = current_schema()::regnamespace AND proname LIKE 'notifier\\_%'`,
      );
      expect(rows.length).toBeGreaterThanOrEqual(8);
      for (const { fn, config, schema } of rows) {
        expect({ fn, config }).toEqual({
          fn,
          config: expect.arrayContaining([
            `search_path=${schema}, pg_catalog, pg_temp`,
          ]) as string[],
        });
      }
    });
  });

  describe('tables that must not be watched', () => {
    it('the fresh database holds the tables the issue names', () => {
      expect(ownTables).toEqual(
        expect.arrayContaining([
          'closed_streams',
          'notification_outbox',
          'notifications',
          'notifier_watches',
          'retention_watermark',
        ]),
      );
    });

    it('refuses every table of ours, naming it, and leaves it without a trigger', async () => {
      for (const table of ownTables) {
        await expect(watch(table, await firstColumn(table))).rejects.toMatchObject({
          code: '42809',
          message: `${table} is a table of Notifier itself: watching it would notify about its own writes`,
        });
      }
      const { rows } = await sql.query(
        `SELECT tgrelid::regclass::text AS table FROM pg_trigger WHERE tgname = 'notifier_watch'
         AND tgrelid::regclass::text = ANY ($1)`,
        [ownTables],
      );
      expect(rows).toEqual([]);
    });

    it.each(['pg_catalog.pg_class', 'pg_catalog.pg_authid'])(
      'refuses the system catalog %s',
      async (table) => {
        await expect(watch(table, 'oid')).rejects.toMatchObject({
          code: '42809',
          message: `${table.split('.')[1]} is a system catalog: it cannot be watched`,
        });
      },
    );
  });

  describe('who may watch', () => {
    it('only the table’s owner, even when the table is already watched', async () => {
      const table = await createOrders();
      await watch(table, 'customer_id');
      const stranger = `stranger_${randomBytes(4).toString('hex')}`;
      const client = await sql.connect();
      try {
        await client.query(`CREATE ROLE ${stranger}`);
        await client.query(`SET ROLE ${stranger}`);
        await expect(
          client.query(`SELECT notifier_watch($1::regclass, 'status')`, [table]),
        ).rejects.toMatchObject({
          code: '42501',
          message: `must be the owner of ${table} to watch it`,
        });
      } finally {
        await client.query(`RESET ROLE`);
        await client.query(`DROP ROLE IF EXISTS ${stranger}`);
        client.release();
      }
    });
  });

  describe('the column filter', () => {
    it('sends only the watched columns, and only their changes notify', async () => {
      const table = await createOrders();
      await watch(table, 'customer_id', undefined, ['status']);
      const user = uniqueUser();
      const recording = await stream(user);

      await sql.query(`INSERT INTO ${table} (customer_id, status, note) VALUES ($1, 'new', 'x')`, [
        user,
      ]);
      await sql.query(`UPDATE ${table} SET note = 'not watched'`);
      await sql.query(`UPDATE ${table} SET status = 'paid', note = 'y'`);

      expect((await receivedBeforeSentinel(recording, user)).map((m) => m.payload)).toEqual([
        expect.objectContaining({ op: 'insert', key: { id: 1 }, row: { status: 'new' } }),
        expect.objectContaining({
          op: 'update',
          key: { id: 1 },
          row: { status: 'paid' },
          changed: ['status'],
        }),
      ]);
    });
  });

  describe('a null user column', () => {
    it('notifies nobody, and does not stop the write', async () => {
      const table = await createOrders();
      await watch(table, 'customer_id');
      const user = uniqueUser();
      const recording = await stream(user);

      await sql.query(`INSERT INTO ${table} (customer_id, status) VALUES (NULL, 'orphan')`);
      await sql.query(`INSERT INTO ${table} (customer_id, status) VALUES ($1, 'owned')`, [user]);

      const received = await receivedBeforeSentinel(recording, user);
      expect(received.map((m) => (m.payload.row as { status: string }).status)).toEqual(['owned']);
      const logged = await sql.query(`SELECT FROM notifications WHERE payload->>'table' = $1`, [
        table,
      ]);
      expect(logged.rowCount).toBe(1);
    });
  });

  describe('an update that changes nothing', () => {
    it('notifies nobody', async () => {
      const table = await createOrders();
      await sql.query(`INSERT INTO ${table} (customer_id, status) VALUES ('someone', 'new')`);
      await watch(table, 'customer_id');
      const recording = await stream('someone');

      await sql.query(`UPDATE ${table} SET status = status, note = NULL`);

      expect(await receivedBeforeSentinel(recording, 'someone')).toEqual([]);
    });
  });

  describe('a row over 64 KiB', () => {
    it('is sent without its largest values, which are named in `truncated`', async () => {
      const table = await createOrders();
      await watch(table, 'customer_id');
      const user = uniqueUser();
      const recording = await stream(user);

      await sql.query(
        `INSERT INTO ${table} (customer_id, status, note) VALUES ($1, 'big', repeat('x', 70000))`,
        [user],
      );

      const [received] = await receivedBeforeSentinel(recording, user);
      expect(received.payload).toEqual({
        op: 'insert',
        schema: 'public',
        table,
        key: { id: 1 },
        row: { id: 1, customer_id: user, status: 'big' },
        truncated: ['note'],
      });
    });
  });

  describe('the example of docs/producers.md', () => {
    it('works as written', async () => {
      const recording = await stream('demo-user');

      await sql.query(producersDocExample());

      expect(await receivedBeforeSentinel(recording, 'demo-user')).toEqual([
        {
          type: 'orders.insert',
          payload: {
            op: 'insert',
            schema: 'public',
            table: 'orders',
            key: { id: 1 },
            row: { id: 1, customer_id: 'demo-user', status: 'paid' },
          },
        },
      ]);
    });
  });

  describe('/admin/watches', () => {
    const admin = async (
      method: string,
      path: string,
      body?: unknown,
      token = TEST_ADMIN_TOKEN,
    ) => {
      const response = await fetch(`${notifier.baseUrl}/admin/watches${path}`, {
        method,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    };

    it('POST watches a table, GET lists it, DELETE unwatches it', async () => {
      const table = await createOrders();
      const user = uniqueUser();
      const recording = await stream(user);

      const created = await admin('POST', '', {
        table,
        userColumn: 'customer_id',
        type: 'order.changed',
        columns: ['status'],
      });
      expect(created).toEqual({
        status: 201,
        body: {
          table,
          userColumn: 'customer_id',
          type: 'order.changed',
          columns: ['status'],
          keyColumns: ['id'],
          watchedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
        },
      });
      expect((await admin('GET', '')).body).toContainEqual(created.body);

      await sql.query(`INSERT INTO ${table} (customer_id, status) VALUES ($1, 'new')`, [user]);
      expect(await admin('DELETE', `/${table}`)).toEqual({ status: 204, body: undefined });
      await sql.query(`INSERT INTO ${table} (customer_id, status) VALUES ($1, 'unwatched')`, [
        user,
      ]);

      const received = await receivedBeforeSentinel(recording, user);
      expect(received).toEqual([
        {
          type: 'order.changed',
          payload: expect.objectContaining({ row: { status: 'new' } }) as unknown,
        },
      ]);
      expect((await admin('GET', '')).body).not.toContainEqual(expect.objectContaining({ table }));
    });

    it('takes schema-qualified and quoted names in the path', async () => {
      await sql.query(`CREATE SCHEMA billing`);
      await sql.query(`CREATE TABLE billing."Bills" (id int PRIMARY KEY, owner text)`);
      const name = 'billing."Bills"';

      expect(await admin('POST', '', { table: name, userColumn: 'owner', type: 'bill' })).toEqual(
        expect.objectContaining({ status: 201 }),
      );
      expect(await admin('DELETE', `/${encodeURIComponent(name)}`)).toEqual({
        status: 204,
        body: undefined,
      });
    });

    it.each([
      ['GET', ''],
      ['POST', ''],
      ['DELETE', '/orders'],
    ])('answers 401 to %s without the admin token', async (method, path) => {
      const table = await createOrders();
      const body = method === 'POST' ? { table, userColumn: 'customer_id' } : undefined;
      for (const token of ['', 'wrong-token-0123456789']) {
        expect(await admin(method, path, body, token)).toEqual({
          status: 401,
          body: { statusCode: 401, error: 'Unauthorized', message: 'Admin token required' },
        });
      }
      expect((await admin('GET', '')).body).not.toContainEqual(expect.objectContaining({ table }));
    });

    it.each([
      ['a missing table', { userColumn: 'customer_id' }, 'table'],
      ['a missing userColumn', { table: 'orders' }, 'userColumn'],
      [
        'a type breaking the outbox rule',
        { table: 'orders', userColumn: 'u', type: 'a b' },
        'type',
      ],
      [
        'columns that are not a list',
        { table: 'orders', userColumn: 'u', columns: 'x' },
        'columns',
      ],
      ['an empty list of columns', { table: 'orders', userColumn: 'u', columns: [] }, 'columns'],
    ])('answers 400 naming the field for %s', async (_, body, field) => {
      const answer = await admin('POST', '', body);
      expect(answer).toEqual({
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: expect.arrayContaining([expect.stringMatching(new RegExp(`^${field} `))]) as [],
        },
      });
    });

    it('answers 400 for a table or column the database does not have', async () => {
      const table = await createOrders();
      expect(await admin('POST', '', { table: 'no_such', userColumn: 'u' })).toEqual({
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: 'table: relation "no_such" does not exist',
        },
      });
      expect(await admin('POST', '', { table, userColumn: 'nope' })).toMatchObject({
        status: 400,
        body: { message: `${table} has no column nope` },
      });
    });

    it('answers 400 naming the table field for each table of ours and a system catalog', async () => {
      for (const table of [...ownTables, 'pg_catalog.pg_class']) {
        const answer = await admin('POST', '', { table, userColumn: await firstColumn(table) });
        expect(answer).toMatchObject({
          status: 400,
          body: { statusCode: 400, message: expect.stringMatching(/^table: /) as string },
        });
      }
      expect((await admin('GET', '')).body).not.toContainEqual(
        expect.objectContaining({ table: 'notifications' }),
      );
    });

    it('answers 404 to DELETE of a table that is not watched or does not exist', async () => {
      const table = await createOrders();
      expect(await admin('DELETE', `/${table}`)).toMatchObject({
        status: 404,
        body: { statusCode: 404, message: `${table} is not watched` },
      });
      expect(await admin('DELETE', '/no_such')).toMatchObject({
        status: 404,
        body: { message: 'relation "no_such" does not exist' },
      });
    });
  });
});

/** The SQL of docs/producers.md's "Watch a table" section, exactly as a reader would paste it. */
function producersDocExample(): string {
  const page = readFileSync(resolve(__dirname, '../docs/producers.md'), 'utf8');
  const section = page.slice(page.indexOf('## Watch a table'));
  const example = /```sql\n([\s\S]*?)```/.exec(section)?.[1];
  if (!example) throw new Error('docs/producers.md has no SQL example under "## Watch a table"');
  return example;
}
