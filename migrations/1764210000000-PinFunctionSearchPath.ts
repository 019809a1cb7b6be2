import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Our functions run inside other roles' statements (a watched table's writer, a producer),
 * with their search_path: `SET search_path = app` made `notifier_watches` unknown, and an
 * `app.notification_outbox` earlier on the path received the notifications. Every function of
 * ours (named `notifier_…`) gets the schema the migrations run in, then pg_catalog, and
 * pg_temp last, so no temporary table can stand in for ours.
 *
 * A later migration that creates or replaces a function runs the same statement again (CREATE
 * OR REPLACE drops the setting); test/watches.e2e-spec.ts checks every function.
 */
export class PinFunctionSearchPath1764210000000 implements MigrationInterface {
  name = 'PinFunctionSearchPath1764210000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      DO $$
      DECLARE
        fn regprocedure;
      BEGIN
        FOR fn IN SELECT oid FROM pg_proc
                  WHERE pronamespace = current_schema()::regnamespace AND proname LIKE 'notifier\\_%'
        LOOP
          EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_catalog, pg_temp',
                         fn, current_schema());
        END LOOP;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DO $$
      DECLARE
        fn regprocedure;
      BEGIN
        FOR fn IN SELECT oid FROM pg_proc
                  WHERE pronamespace = current_schema()::regnamespace AND proname LIKE 'notifier\\_%'
        LOOP
          EXECUTE format('ALTER FUNCTION %s RESET search_path', fn);
        END LOOP;
      END $$`);
  }
}
