import { DataSource } from 'typeorm';
import { SERVER_URL_VARIABLE, TEMPLATE_VARIABLE } from './test-database';

export default async function globalTeardown(): Promise<void> {
  const embedded = globalThis.notifierTestDatabase;
  if (embedded) {
    await embedded.stop();
    return;
  }
  const serverUrl = process.env[SERVER_URL_VARIABLE];
  const template = process.env[TEMPLATE_VARIABLE];
  if (!serverUrl || !template) return;
  const admin = new DataSource({ type: 'postgres', url: serverUrl });
  await admin.initialize();
  await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  await admin.destroy();
}
