import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Producers that retry notify once. An outbox row may carry a `dedupe_key`; the log keeps it,
 * unique per user where set, and the drain's INSERT skips a row whose (user_id, dedupe_key) is
 * already in the log, or was taken earlier in the same drain (the first one wins: rows are
 * inserted in producer order). The producer's INSERT succeeds either way. The drain reports
 * how many rows it dropped.
 *
 * The drain stays one statement in one transaction under the drain lock (1852798054 is
 * "notf", 2 the drain's key), so log ids still follow commit order. Rows without a key are not
 * in the partial index: the unique check costs them nothing but the insert's arbiter test.
 */
/** As every function of ours: the migrations' schema, then pg_catalog, pg_temp last. */
const PIN_DRAIN_SEARCH_PATH = `
  DO $$
  BEGIN
    EXECUTE format('ALTER FUNCTION notifier_drain_outbox(integer, boolean) SET search_path = %I, pg_catalog, pg_temp',
                   current_schema());
  END $$`;

export class AddDedupeKeys1764800000000 implements MigrationInterface {
  name = 'AddDedupeKeys1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE notification_outbox ADD COLUMN dedupe_key text
        CONSTRAINT outbox_dedupe_key_1_to_200_chars_without_control_characters
        CHECK (char_length(dedupe_key) BETWEEN 1 AND 200 AND dedupe_key !~ '[\\x01-\\x1f\\x7f-\\x9f]')`);
    await db.query(`ALTER TABLE notifications ADD COLUMN dedupe_key text`);
    await db.query(`
      CREATE UNIQUE INDEX notifications_user_id_dedupe_key ON notifications (user_id, dedupe_key)
        WHERE dedupe_key IS NOT NULL`);
    // The result gains a column, which CREATE OR REPLACE cannot do.
    await db.query(`DROP FUNCTION notifier_drain_outbox(integer, boolean)`);
    await db.query(`
      CREATE FUNCTION notifier_drain_outbox(batch integer, traced boolean DEFAULT false)
      RETURNS TABLE (moved integer, last_id bigint, lag_seconds float8[], ids text[], traceparents text[],
                     deduplicated integer)
      LANGUAGE plpgsql AS $$
      BEGIN
        -- One drain at a time, so that log ids follow commit order.
        PERFORM pg_advisory_xact_lock(1852798054, 2);
        RETURN QUERY
        WITH taken AS (
          DELETE FROM notification_outbox
          WHERE id = ANY (ARRAY(SELECT id FROM notification_outbox ORDER BY id LIMIT batch))
          RETURNING id, user_id, type, payload, created_at, traceparent, dedupe_key
        ), appended AS (
          INSERT INTO notifications (id, user_id, type, payload, payload_bytes, created_at, traceparent, dedupe_key)
          SELECT nextval('notifications_id_seq'), user_id, type, payload,
            octet_length(payload::text), created_at, traceparent, dedupe_key
          FROM (SELECT * FROM taken ORDER BY id) AS in_producer_order
          ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
          RETURNING id, created_at, traceparent
        )
        SELECT count(*)::integer, max(appended.id),
          coalesce(array_agg(extract(epoch FROM clock_timestamp() - appended.created_at)::float8), '{}'),
          coalesce(array_agg(appended.id::text ORDER BY appended.id) FILTER (WHERE traced), '{}'),
          coalesce(array_agg(DISTINCT appended.traceparent)
            FILTER (WHERE traced AND appended.traceparent IS NOT NULL), '{}'),
          (SELECT count(*) FROM taken)::integer - count(*)::integer
        FROM appended;
      END $$`);
    await db.query(PIN_DRAIN_SEARCH_PATH);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION notifier_drain_outbox(integer, boolean)`);
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
    await db.query(PIN_DRAIN_SEARCH_PATH);
    await db.query(`DROP INDEX notifications_user_id_dedupe_key`);
    await db.query(`ALTER TABLE notifications DROP COLUMN dedupe_key`);
    await db.query(`ALTER TABLE notification_outbox DROP COLUMN dedupe_key`);
  }
}
