import { MigrationInterface, QueryRunner } from 'typeorm';

/** `notifier_own_tables()` before this migration: the one list of the service's tables. */
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
  'retention_user_watermarks',
];

/**
 * What each user lets interrupt them: `{"push":{"mutedTypes":[…]}}`, read by the push worker
 * when a notification falls due (never on the live path). A user without a row set nothing.
 *
 * The new table joins `notifier_own_tables()`, so that it cannot be watched; CREATE OR REPLACE
 * drops the function's pinned search_path, which is set again.
 */
export class CreateUserPreferences1764810000000 implements MigrationInterface {
  name = 'CreateUserPreferences1764810000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE user_preferences (
        user_id text PRIMARY KEY,
        preferences jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT user_preferences_user_id_1_to_200_chars_no_control_characters
          CHECK (char_length(user_id) BETWEEN 1 AND 200 AND user_id !~ '[\\x01-\\x1f\\x7f-\\x9f]'),
        CONSTRAINT user_preferences_push_muted_types_is_an_array
          CHECK (jsonb_typeof(preferences->'push'->'mutedTypes') = 'array')
      )`);
    await replaceOwnTables(db, [...OWN_TABLES, 'user_preferences']);
  }

  async down(db: QueryRunner): Promise<void> {
    await replaceOwnTables(db, OWN_TABLES);
    await db.query(`DROP TABLE user_preferences`);
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
