import { MigrationInterface, QueryRunner } from 'typeorm';

/** `notifier_own_tables()` as of this migration: the one list of the service's tables. */
const OWN_TABLES = [
  'notification_outbox',
  'notifications',
  'notifier_watches',
  'closed_streams',
  'retention_watermark',
  'read_state_changes',
  'push_subscriptions',
  'push_deliveries',
  'push_scan',
  'migrations',
];

/**
 * What retention deleted, per user: the highest id of that user's it deleted, written in the
 * same statement as the delete. A stream resuming below it lost rows of its own and is told
 * so with a reset; one resuming below the global watermark alone lost nothing and is not.
 * Deletions made before this migration are not known per user: they send no reset.
 *
 * The new table joins `notifier_own_tables()`, so that it cannot be watched; CREATE OR REPLACE
 * drops the function's pinned search_path, which is set again.
 */
export class RecordRetentionPerUser1764720000000 implements MigrationInterface {
  name = 'RecordRetentionPerUser1764720000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE retention_user_watermarks (
        user_id text PRIMARY KEY,
        deleted_up_to bigint NOT NULL
      )`);
    await replaceOwnTables(db, [...OWN_TABLES, 'retention_user_watermarks']);
  }

  async down(db: QueryRunner): Promise<void> {
    await replaceOwnTables(db, OWN_TABLES);
    await db.query(`DROP TABLE retention_user_watermarks`);
  }
}

async function replaceOwnTables(db: QueryRunner, tables: readonly string[]): Promise<void> {
  const [{ schema }] = (await db.query(`SELECT quote_literal(current_schema()) AS schema`)) as {
    schema: string;
  }[];
  const names = tables.map((table) => `'${table}'`).join(', ');
  await db.query(`
    CREATE OR REPLACE FUNCTION notifier_own_tables() RETURNS TABLE (schema_name name, table_name name)
    LANGUAGE sql IMMUTABLE AS $$
      SELECT ${schema}::name, t::name FROM unnest(ARRAY[${names}]) AS t $$`);
  await db.query(`
    DO $$ BEGIN
      EXECUTE format('ALTER FUNCTION notifier_own_tables() SET search_path = %I, pg_catalog, pg_temp',
                     current_schema());
    END $$`);
}
