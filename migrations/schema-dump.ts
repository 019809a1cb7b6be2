import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { migrateDatabase } from '../libs/persistence/src/migration-runner';
import { MIGRATIONS } from '.';

/**
 * `npm run schema:dump` writes SCHEMA_FILE: the `pg_dump --schema-only` of a database that the
 * migrations have just built, made stable. test/schema.e2e-spec.ts dumps again and compares.
 */

export const SCHEMA_FILE = join(__dirname, 'schema.sql');

/**
 * The server the schema is dumped from: DATABASE_URL's when set, else the machine's PostgreSQL.
 * Never the embedded server of a test run: pg_dump refuses servers of a newer major than its
 * own, and no pg_dump 18 can be had here (the embedded package ships initdb, pg_ctl and postgres
 * alone; Debian 12 packages the client of 15).
 */
export const DUMP_SERVER_URL =
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const run = promisify(execFile);

/** Migrates a database of its own on the server, dumps its schema and drops it. */
export async function dumpMigratedSchema(serverUrl: string): Promise<string> {
  const name = `notifier_schema_dump_${randomBytes(6).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`).catch((error: Error) => {
    const server = `${url.hostname}:${url.port || 5432}`;
    throw new Error(
      `No database for the schema dump on ${server} (DATABASE_URL, else the machine's PostgreSQL): ${error.message}`,
    );
  });
  try {
    await migrateDatabase(url.toString(), MIGRATIONS);
    return await dumpSchema(url.toString());
  } finally {
    await onServer(serverUrl, `DROP DATABASE ${name} WITH (FORCE)`);
  }
}

/** Owners and grants are left out: they name the role that happened to migrate. */
async function dumpSchema(url: string): Promise<string> {
  const [major] = await onServer(url, `SELECT current_setting('server_version_num')::int / 10000`);
  const pgDump = await pgDumpOfMajor(Number(major));
  const { stdout } = await run(
    pgDump,
    ['--schema-only', '--no-owner', '--no-privileges', '--dbname', url],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return normalizeDump(stdout, Number(major));
}

/** Debian keeps each major's client in /usr/lib/postgresql/<major>/bin; else the one on PATH. */
async function pgDumpOfMajor(major: number): Promise<string> {
  const debian = `/usr/lib/postgresql/${major}/bin/pg_dump`;
  const pgDump = existsSync(debian) ? debian : 'pg_dump';
  const { stdout } = await run(pgDump, ['--version']);
  const own = Number(/\(PostgreSQL\) (\d+)/.exec(stdout)?.[1]);
  if (own !== major) {
    throw new Error(
      `${pgDump} is pg_dump ${own}, the server is PostgreSQL ${major}: dump with the client of ` +
        `the server's major, or set DATABASE_URL to a PostgreSQL ${own} server`,
    );
  }
  return pgDump;
}

/**
 * What differs between two dumps of one schema goes, with the blank line after it: the key of
 * `\restrict` (new at every dump), the version banners, and the session settings pg_dump opens
 * with (they change with its version). Only the major stays, in the header.
 */
const VARYING_LINES = [
  /^\\(un)?restrict \w+$/,
  /^-- Dumped (from database|by pg_dump) version /,
  /^SET \w+ = .*;$/,
  /^SELECT pg_catalog\.set_config\('search_path', '', false\);$/,
];

function normalizeDump(dump: string, major: number): string {
  const lines = dump.split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!VARYING_LINES.some((varying) => varying.test(lines[i]))) kept.push(lines[i]);
    else if (lines[i + 1] === '') i++;
  }
  return [
    `-- The schema that the migrations (migrations/index.ts) give a fresh PostgreSQL ${major} database,`,
    '-- as pg_dump --schema-only prints it. Written by `npm run schema:dump`; do not edit it:',
    '-- test/schema.e2e-spec.ts fails when migrating gives anything else.',
    '',
    ...kept,
  ]
    .join('\n')
    .replace(/\n+$/, '\n');
}

async function onServer(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<unknown[]>({ text: sql, rowMode: 'array' });
    return rows[0] ?? [];
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  await writeFile(SCHEMA_FILE, await dumpMigratedSchema(DUMP_SERVER_URL));
  console.log(`Wrote ${SCHEMA_FILE}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
