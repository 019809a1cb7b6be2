import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startEmbeddedPostgres } from '../../libs/embedded-postgres/src';
import { dataSourceOptions } from '../../libs/persistence/src';
import { SERVER_URL_VARIABLE, TEMPLATE_DATABASE, withDatabase } from './test-database';

declare global {
  var notifierTestDatabase: { stop(): Promise<void> } | undefined;
}

/**
 * One PostgreSQL for the whole run: `DATABASE_URL`'s server if set, else an embedded one on a
 * free port in a temporary directory. The schema is migrated once into a template database
 * that every test file clones, so the real migrations are what every test runs against.
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dir = await mkdtemp(join(tmpdir(), 'notifier-test-'));
    const database = await startEmbeddedPostgres({
      dir,
      port: await freePort(),
      database: 'postgres',
    });
    globalThis.notifierTestDatabase = {
      stop: async () => {
        await database.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
    serverUrl = database.url;
  }
  process.env[SERVER_URL_VARIABLE] = serverUrl;
  await migrateTemplate(serverUrl);
}

async function migrateTemplate(serverUrl: string): Promise<void> {
  const admin = new DataSource({ type: 'postgres', url: serverUrl });
  await admin.initialize();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.destroy();

  const template = new DataSource(dataSourceOptions(withDatabase(serverUrl, TEMPLATE_DATABASE)));
  await template.initialize();
  await template.runMigrations({ transaction: 'each' });
  await template.destroy();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
