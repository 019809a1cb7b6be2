import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Producers that retry notify once. An outbox row may carry a `dedupe_key`; the log keeps it,
 * unique per user where set, and the drain's INSERT skips a row whose (user_id, dedupe_key) is
 * already in the log, or was taken earlier in the same drain (the first one wins: rows are
 * inserted in producer order). The producer's INSERT succeeds either way. The drain still
 * counts a dropped row as taken, and returns only the rows it appended.
 *
 * The drain stays one statement in one transaction under the drain lock, so log ids still
 * follow commit order; its result does not change. Rows without a key are not in the partial
 * index: the unique check costs them only the insert's arbiter test.
 */
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
    await db.query(`
      CREATE OR REPLACE FUNCTION notifier_drain_outbox(batch integer, max_bytes integer DEFAULT 2147483647)
      RETURNS TABLE (previous_id bigint, newest bigint, taken integer, more boolean, id bigint,
                     user_id text, type text, payload jsonb, created_at timestamptz, traceparent text)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        previous bigint;
        newest_id bigint;
        moved integer;
        looked_at integer;
        ids bigint[];
        users text[];
        types text[];
        payloads jsonb[];
        created timestamptz[];
        traceparents text[];
      BEGIN
        -- One drain at a time (advisory lock "notf", 2), so that log ids follow commit order.
        PERFORM pg_advisory_xact_lock(1852798054, 2);
        SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
          INTO previous FROM notifications_id_seq;
        -- A payload's size is what the stream sends (its text), not what Postgres stores: a
        -- compressed jsonb is a fraction of it, and the batch is handed to the hub whole.
        WITH sized AS (
          SELECT id, bytes, sum(bytes) OVER (ORDER BY id) AS bytes_through
          FROM (SELECT id, octet_length(payload::text) AS bytes
                FROM notification_outbox ORDER BY id LIMIT batch) AS oldest
        ), taken AS (
          DELETE FROM notification_outbox
          WHERE id = ANY (ARRAY(SELECT id FROM sized WHERE bytes_through - bytes < max_bytes))
          RETURNING id, user_id, type, payload, created_at, traceparent, dedupe_key
        ), appended AS (
          INSERT INTO notifications (id, user_id, type, payload, payload_bytes, created_at, traceparent, dedupe_key)
          SELECT nextval('notifications_id_seq'), user_id, type, payload,
            bytes, created_at, traceparent, dedupe_key
          FROM (SELECT taken.*, sized.bytes FROM taken JOIN sized USING (id) ORDER BY id) AS in_producer_order
          -- A key already in the log, or taken earlier in this batch, drops the row.
          ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
          RETURNING id, user_id, type, payload, created_at, traceparent
        )
        SELECT (SELECT count(*)::integer FROM taken), (SELECT count(*)::integer FROM sized),
          array_agg(id ORDER BY id),
          array_agg(user_id ORDER BY id), array_agg(type ORDER BY id),
          array_agg(payload ORDER BY id), array_agg(created_at ORDER BY id),
          array_agg(traceparent ORDER BY id)
          INTO moved, looked_at, ids, users, types, payloads, created, traceparents
          FROM appended;
        SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
          INTO newest_id FROM notifications_id_seq;
        IF newest_id > previous THEN
          PERFORM pg_notify('notifications_appended', newest_id::text);
        END IF;
        RETURN QUERY
          SELECT previous, newest_id, moved, looked_at > moved OR looked_at = batch, r.id, r.user_id, r.type, r.payload, r.created_at, r.traceparent
          FROM (SELECT 1) AS one
          LEFT JOIN unnest(ids, users, types, payloads, created, traceparents)
            AS r (id, user_id, type, payload, created_at, traceparent) ON true
          ORDER BY r.id;
      END $$`);
    await db.query(PIN_DRAIN_SEARCH_PATH);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION notifier_drain_outbox(batch integer, max_bytes integer DEFAULT 2147483647)
      RETURNS TABLE (previous_id bigint, newest bigint, taken integer, more boolean, id bigint,
                     user_id text, type text, payload jsonb, created_at timestamptz, traceparent text)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        previous bigint;
        newest_id bigint;
        moved integer;
        looked_at integer;
        ids bigint[];
        users text[];
        types text[];
        payloads jsonb[];
        created timestamptz[];
        traceparents text[];
      BEGIN
        -- One drain at a time (advisory lock "notf", 2), so that log ids follow commit order.
        PERFORM pg_advisory_xact_lock(1852798054, 2);
        SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
          INTO previous FROM notifications_id_seq;
        WITH sized AS (
          SELECT id, sum(pg_column_size(payload)) OVER (ORDER BY id) AS bytes_through,
            pg_column_size(payload) AS bytes
          FROM (SELECT id, payload FROM notification_outbox ORDER BY id LIMIT batch) AS oldest
        ), taken AS (
          DELETE FROM notification_outbox
          WHERE id = ANY (ARRAY(SELECT id FROM sized WHERE bytes_through - bytes < max_bytes))
          RETURNING id, user_id, type, payload, created_at, traceparent
        ), appended AS (
          INSERT INTO notifications (id, user_id, type, payload, payload_bytes, created_at, traceparent)
          SELECT nextval('notifications_id_seq'), user_id, type, payload,
            octet_length(payload::text), created_at, traceparent
          FROM (SELECT * FROM taken ORDER BY id) AS in_producer_order
          RETURNING id, user_id, type, payload, created_at, traceparent
        )
        SELECT (SELECT count(*)::integer FROM taken), (SELECT count(*)::integer FROM sized),
          array_agg(id ORDER BY id),
          array_agg(user_id ORDER BY id), array_agg(type ORDER BY id),
          array_agg(payload ORDER BY id), array_agg(created_at ORDER BY id),
          array_agg(traceparent ORDER BY id)
          INTO moved, looked_at, ids, users, types, payloads, created, traceparents
          FROM appended;
        SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
          INTO newest_id FROM notifications_id_seq;
        IF newest_id > previous THEN
          PERFORM pg_notify('notifications_appended', newest_id::text);
        END IF;
        RETURN QUERY
          SELECT previous, newest_id, moved, looked_at > moved OR looked_at = batch, r.id, r.user_id, r.type, r.payload, r.created_at, r.traceparent
          FROM (SELECT 1) AS one
          LEFT JOIN unnest(ids, users, types, payloads, created, traceparents)
            AS r (id, user_id, type, payload, created_at, traceparent) ON true
          ORDER BY r.id;
      END $$`);
    await db.query(PIN_DRAIN_SEARCH_PATH);
    await db.query(`DROP INDEX notifications_user_id_dedupe_key`);
    await db.query(`ALTER TABLE notifications DROP COLUMN dedupe_key`);
    await db.query(`ALTER TABLE notification_outbox DROP COLUMN dedupe_key`);
  }
}

/** CREATE OR REPLACE drops the pinned search_path: the migrations' schema, pg_catalog, pg_temp. */
const PIN_DRAIN_SEARCH_PATH = `
  DO $$ BEGIN
    EXECUTE format('ALTER FUNCTION notifier_drain_outbox(integer, integer) SET search_path = %I, pg_catalog, pg_temp',
                   current_schema());
  END $$`;
