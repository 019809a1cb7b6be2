import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startEmbeddedPostgres } from '../../libs/embedded-postgres/src';
import { migrateDatabase } from '../../libs/persistence/src';
import { MIGRATIONS } from '../../migrations';
import { freePort } from './free-port';
import { SERVER_URL_VARIABLE, TEMPLATE_VARIABLE, withDatabase } from './test-database';

declare global {
  var notifierTestDatabase: { stop(): Promise<void> } | undefined;
}

/**
 * One PostgreSQL for the whole run: `DATABASE_URL`'s server if set, else an embedded one on a
 * free port in a temporary directory. The schema is migrated once into a template database
 * that every test file clones, so the real migrations are what every test runs against. The
 * template is this run's own: two runs may share a server (a developer's and CI's).
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
  const template = `notifier_test_template_${randomBytes(6).toString('hex')}`;
  process.env[SERVER_URL_VARIABLE] = serverUrl;
  process.env[TEMPLATE_VARIABLE] = template;
  await migrateTemplate(serverUrl, template);
}

async function migrateTemplate(serverUrl: string, name: string): Promise<void> {
  const admin = new DataSource({ type: 'postgres', url: serverUrl });
  await admin.initialize();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.destroy();

  await migrateDatabase(withDatabase(serverUrl, name), MIGRATIONS);
}
