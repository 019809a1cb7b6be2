import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The drain's cost follows its batch, not the outbox's history.
 *
 * `DELETE … WHERE id IN (SELECT … LIMIT n)` was planned, once cached, as a hash semi-join over
 * a sequential scan of the whole outbox: under steady load, every drain read every page of dead
 * rows left by the drains before it (15 ms for 1,000 rows where an index scan takes 4). An
 * array of the batch's ids can only be matched through the primary key.
 *
 * The payload's size is computed in the same INSERT rather than by a row trigger, which ran a
 * PL/pgSQL call with its own search_path for every row; the drain is the log's only writer.
 */
export class DrainOutboxThroughItsIndex1764610000000 implements MigrationInterface {
  name = 'DrainOutboxThroughItsIndex1764610000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER notifications_payload_bytes ON notifications`);
    await db.query(`DROP FUNCTION notifier_measure_payload()`);
    // 1852798054 is 0x6e6f7466 ("notf"): the first key of every Notifier advisory lock.
    await db.query(`
      CREATE OR REPLACE FUNCTION notifier_drain_outbox(batch integer, traced boolean DEFAULT false)
      RETURNS TABLE (moved integer, last_id bigint, lag_seconds float8[], ids text[], traceparents text[])
      LANGUAGE plpgsql AS $$
      BEGIN
        -- One drain at a time, so that log ids follow commit order.
        PERFORM pg_advisory_xact_lock(1852798054, 2);
        RETURN QUERY
        WITH taken AS (
          DELETE FROM notification_outbox
          WHERE id = ANY (ARRAY(SELECT id FROM notification_outbox ORDER BY id LIMIT batch))
          RETURNING id, user_id, type, payload, created_at, traceparent
        ), appended AS (
          INSERT INTO notifications (id, user_id, type, payload, payload_bytes, created_at, traceparent)
          SELECT nextval('notifications_id_seq'), user_id, type, payload,
            octet_length(payload::text), created_at, traceparent
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
    // CREATE OR REPLACE drops a function's search_path: every function of ours gets it again.
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
      CREATE OR REPLACE FUNCTION notifier_drain_outbox(batch integer, traced boolean DEFAULT false)
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
    await db.query(`
      CREATE FUNCTION notifier_measure_payload() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.payload_bytes := octet_length(NEW.payload::text);
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER notifications_payload_bytes
        BEFORE INSERT OR UPDATE OF payload ON notifications
        FOR EACH ROW EXECUTE FUNCTION notifier_measure_payload()`);
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
}
