import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { sleep } from './wait-for';

export const SERVER_URL_VARIABLE = 'NOTIFIER_TEST_SERVER_URL';
export const TEMPLATE_VARIABLE = 'NOTIFIER_TEST_TEMPLATE';

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of its own for one test file, cloned from the template; or, with
 * `empty`, one that no migration has touched.
 */
export async function createTestDatabase({ empty = false } = {}): Promise<TestDatabase> {
  const serverUrl = process.env[SERVER_URL_VARIABLE];
  const template = process.env[TEMPLATE_VARIABLE];
  if (!serverUrl || !template) {
    throw new Error(`${SERVER_URL_VARIABLE} is not set: run the tests through jest`);
  }
  const name = `notifier_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${empty ? 'template0' : template}`);
  return {
    url: withDatabase(serverUrl, name),
    name,
    drop: () => dropDatabase(serverUrl, name),
  };
}

/** Errors of a DROP DATABASE that a session still in the database caused. */
const OBJECT_IN_USE = '55006';

/**
 * DROP DATABASE refuses while a replication slot is in use, and even WITH (FORCE) does not end
 * walsenders; a walsender may also still be making a slot asked for by a client that has
 * already gone. So the database first stops taking connections, then its sessions are ended
 * and the drop retried until none is left to make a slot.
 */
async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [database],
      );
      try {
        await client.query(`DROP DATABASE ${database} WITH (FORCE)`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== OBJECT_IN_USE || Date.now() > deadline) {
          throw error;
        }
      }
      await sleep(20);
    }
  } finally {
    await client.end();
  }
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The migrations recorded in a database, by name, repeats included; undefined: none ran. */
export async function recordedMigrations(url: string): Promise<string[] | undefined> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table: string | null }>(
      "SELECT to_regclass('migrations')::text AS table",
    );
    if (rows[0].table === null) return undefined;
    const names = await client.query<{ name: string }>('SELECT name FROM migrations ORDER BY name');
    return names.rows.map(({ name }) => name);
  } finally {
    await client.end();
  }
}
