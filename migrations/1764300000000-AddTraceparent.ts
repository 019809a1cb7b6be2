import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A producer may hand its W3C trace context to the notifier with the row, so that the ingest
 * and delivery spans join the producer's trace. The drain carries it from outbox to log and,
 * when asked (`traced`, only while tracing is on), returns what the ingest span needs.
 */
export class AddTraceparent1764300000000 implements MigrationInterface {
  name = 'AddTraceparent1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE notification_outbox ADD COLUMN traceparent text
        CONSTRAINT outbox_traceparent_is_w3c_trace_context CHECK (traceparent ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$')`);
    await db.query(`
      ALTER TABLE notifications ADD COLUMN traceparent text
        CONSTRAINT notifications_traceparent_is_w3c_trace_context CHECK (traceparent ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$')`);
    // The result gains columns, which CREATE OR REPLACE cannot do: the old one goes first.
    await db.query(`DROP FUNCTION notifier_drain_outbox(integer)`);
    // 1852798054 is 0x6e6f7466 ("notf"): the first key of every Notifier advisory lock.
    await db.query(`
      CREATE FUNCTION notifier_drain_outbox(batch integer, traced boolean DEFAULT false)
      RETURNS TABLE (moved integer, last_id bigint, lag_seconds float8[], ids text[], traceparents text[])
      LANGUAGE plpgsql AS $$
      BEGIN
        -- One drain at a time, so that log ids follow commit order.
        PERFORM pg_advisory_xact_lock(1852798054, 2);
        RETURN QUERY
        WITH taken AS (
          DELETE FROM notification_outbox
          WHERE id IN (SELECT id FROM notification_outbox ORDER BY id LIMIT batch)
          RETURNING id, user_id, type, payload, created_at, traceparent
        ), appended AS (
          INSERT INTO notifications (id, user_id, type, payload, created_at, traceparent)
          SELECT nextval('notifications_id_seq'), user_id, type, payload, created_at, traceparent
          FROM (SELECT * FROM taken ORDER BY id) AS in_producer_order
          RETURNING id, created_at, traceparent
        )
        SELECT count(*)::integer, max(appended.id),
          coalesce(array_agg(extract(epoch FROM clock_timestamp() - appended.created_at)::float8), '{}'),
          coalesce(array_agg(appended.id::text ORDER BY appended.id) FILTER (WHERE traced), '{}'),
          coalesce(array_agg(DISTINCT appended.traceparent)
            FILTER (WHERE traced AND appended.traceparent IS NOT NULL), '{}')
        FROM appended;
      END $$`);
    // CREATE drops a function's search_path: every function of ours gets it again.
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
    await db.query(`DROP FUNCTION notifier_drain_outbox(integer, boolean)`);
    await db.query(`
      CREATE FUNCTION notifier_drain_outbox(batch integer)
      RETURNS TABLE (moved integer, last_id bigint, lag_seconds float8[])
      LANGUAGE plpgsql AS $$
      BEGIN
        -- One drain at a time, so that log ids follow commit order.
        PERFORM pg_advisory_xact_lock(1852798054, 2);
        RETURN QUERY
        WITH taken AS (
          DELETE FROM notification_outbox
          WHERE id IN (SELECT id FROM notification_outbox ORDER BY id LIMIT batch)
          RETURNING id, user_id, type, payload, created_at
        ), appended AS (
          INSERT INTO notifications (id, user_id, type, payload, created_at)
          SELECT nextval('notifications_id_seq'), user_id, type, payload, created_at
          FROM (SELECT * FROM taken ORDER BY id) AS in_producer_order
          RETURNING id, created_at
        )
        SELECT count(*)::integer, max(appended.id),
          coalesce(array_agg(extract(epoch FROM clock_timestamp() - appended.created_at)::float8), '{}')
        FROM appended;
      END $$`);
    await db.query(`ALTER TABLE notifications DROP COLUMN traceparent`);
    await db.query(`ALTER TABLE notification_outbox DROP COLUMN traceparent`);
  }
}
