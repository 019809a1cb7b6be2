import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A watch on one of our own tables loops: watching `notifications` makes every drain queue one
 * more row forever, watching `notification_outbox` makes every INSERT recurse until the stack
 * runs out. System catalogs cannot carry our trigger at all. So `notifier_watches` refuses
 * them, whoever writes it: `notifier_watch()` (and with it `POST /admin/watches`) raises
 * wrong_object_type (42809) with a message naming the table.
 *
 * `notifier_own_tables()` is the one list of the service's tables; a migration that adds a
 * table replaces it (test/watches.e2e-spec.ts fails until every table of a fresh database is on it).
 */
export class RefuseWatchingOwnTables1764200000000 implements MigrationInterface {
  name = 'RefuseWatchingOwnTables1764200000000';

  async up(db: QueryRunner): Promise<void> {
    const [{ schema }] = (await db.query(`SELECT quote_literal(current_schema()) AS schema`)) as {
      schema: string;
    }[];
    await db.query(`
      CREATE FUNCTION notifier_own_tables() RETURNS TABLE (schema_name name, table_name name)
      LANGUAGE sql IMMUTABLE AS $$
        SELECT ${schema}::name, t::name FROM unnest(ARRAY[
          'notification_outbox', 'notifications', 'notifier_watches', 'closed_streams',
          'retention_watermark', 'read_state_changes', 'push_subscriptions', 'push_deliveries',
          'push_scan', 'migrations'
        ]) AS t $$`);
    await db.query(`
      COMMENT ON FUNCTION notifier_own_tables() IS
        'The tables of the Notifier service (migrations is TypeORM''s record of its migrations); none may be watched'`);
    await db.query(`
      CREATE FUNCTION notifier_refuse_unwatchable_table() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        schema_name name;
        table_name name;
      BEGIN
        SELECT n.nspname, c.relname INTO schema_name, table_name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = NEW.table_oid;
        IF schema_name IN ('pg_catalog', 'information_schema') OR schema_name LIKE 'pg\\_toast%' THEN
          RAISE wrong_object_type
            USING MESSAGE = format('%s is a system catalog: it cannot be watched', table_name);
        END IF;
        IF (schema_name, table_name) IN (SELECT * FROM notifier_own_tables()) THEN
          RAISE wrong_object_type USING MESSAGE = format(
            '%s is a table of Notifier itself: watching it would notify about its own writes', table_name);
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER notifier_refuse_unwatchable_table BEFORE INSERT OR UPDATE OF table_oid
        ON notifier_watches FOR EACH ROW EXECUTE FUNCTION notifier_refuse_unwatchable_table()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER notifier_refuse_unwatchable_table ON notifier_watches`);
    await db.query(`DROP FUNCTION notifier_refuse_unwatchable_table(), notifier_own_tables()`);
  }
}
