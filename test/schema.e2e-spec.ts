import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { DUMP_SERVER_URL, dumpMigratedSchema, SCHEMA_FILE } from '../migrations/schema-dump';

/** Whether a PostgreSQL answers at `url` (pg_isready comes with pg_dump, in postgresql-client). */
function answers(url: string): boolean {
  return spawnSync('pg_isready', ['--quiet', '--timeout=2', '--dbname', url]).status === 0;
}

const dumpServer = Boolean(process.env.DATABASE_URL) || answers(DUMP_SERVER_URL);

/**
 * A migration edited after it ran, or a migration whose effect nobody looked at, changes what a
 * fresh database gets; this shows it as a diff against the committed schema. The dump comes from
 * DATABASE_URL's server, else the machine's PostgreSQL 15 (schema-dump.ts says why not from the
 * embedded 18): both passes of .ci/run check it. The suite does not need that server: without
 * one the check is skipped, and says so.
 */
describe('migrations/schema.sql', () => {
  (dumpServer ? it : it.skip)(
    `is the schema that migrating a fresh database gives${dumpServer ? '' : ` (skipped: no PostgreSQL at ${DUMP_SERVER_URL} to dump from)`}`,
    async () => {
      const drift = diffFromCommitted(await dumpMigratedSchema(DUMP_SERVER_URL));
      if (drift) {
        throw new Error(
          'Migrating a fresh database no longer gives migrations/schema.sql. A new migration: run ' +
            '`npm run schema:dump` and commit the file with it. An edited one that has already ' +
            `run somewhere: undo the edit and write a new migration.\n\n${drift}`,
        );
      }
    },
  );
});

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
