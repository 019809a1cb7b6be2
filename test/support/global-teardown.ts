import { DataSource } from 'typeorm';
import { SERVER_URL_VARIABLE, TEMPLATE_DATABASE } from './test-database';

export default async function globalTeardown(): Promise<void> {
  const embedded = globalThis.notifierTestDatabase;
  if (embedded) {
    await embedded.stop();
    return;
  }
  const serverUrl = process.env[SERVER_URL_VARIABLE];
  if (!serverUrl) return;
  const admin = new DataSource({ type: 'postgres', url: serverUrl });
  await admin.initialize();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await admin.destroy();
}
