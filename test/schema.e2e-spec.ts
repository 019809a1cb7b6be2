import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { Client } from 'pg';
import { DUMP_SERVER_URL, dumpMigratedSchema, SCHEMA_FILE } from '../migrations/schema-dump';

/**
 * A migration edited after it ran, or a migration whose effect nobody looked at, changes what a
 * fresh database gets; this shows it as a diff against the committed schema. The dump comes from
 * DATABASE_URL's server, else the machine's PostgreSQL 15 (schema-dump.ts says why not from the
 * embedded 18): both passes of .ci/run check it. The suite does not need that server: without
 * one, and only then, the check says it cannot run and passes.
 */
describe('migrations/schema.sql', () => {
  it('is the schema that migrating a fresh database gives', async () => {
    if (!process.env.DATABASE_URL && !(await answers(DUMP_SERVER_URL))) {
      console.warn(`Not checked: no PostgreSQL at ${DUMP_SERVER_URL} to dump the schema from`);
      return;
    }
    const drift = diffFromCommitted(await dumpMigratedSchema(DUMP_SERVER_URL));
    if (drift) {
      throw new Error(
        'Migrating a fresh database no longer gives migrations/schema.sql. A new migration: run ' +
          '`npm run schema:dump` and commit the file with it. An edited one that has already ' +
          `run somewhere: undo the edit and write a new migration.\n\n${drift}`,
      );
    }
  });
});

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `diff -u` of the committed file and the dump: empty when they are the same. */
function diffFromCommitted(dump: string): string {
  const committed = relative(process.cwd(), SCHEMA_FILE);
  const diff = spawnSync(
    'diff',
    ['-u', '--label', committed, '--label', 'a freshly migrated database', SCHEMA_FILE, '-'],
    { input: dump, encoding: 'utf8' },
  );
  if (diff.status !== 0 && diff.status !== 1) throw new Error(`diff failed: ${diff.stderr}`);
  return diff.stdout;
}
