import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The drain returns the rows it appended, so that the leader hands them to its own streams
 * instead of reading them back after its own NOTIFY (one query per batch fewer, and no round
 * trip on the way to the client), and takes at most `max_bytes` of payload, so those rows
 * stay within a live page's memory.
 *
 * It says whether more rows may wait (the batch was full, or cut by its bytes), and which ids
 * it covered: every id after `previous_id` up to `newest` is either
 * among the rows returned or was never committed (a dropped duplicate, a rolled-back drain),
 * read from the log's sequence under the drain lock. A reader whose cursor is `previous_id`
 * may move it to `newest` without reading the log. The NOTIFY moves from a statement trigger
 * into the drain, carrying `newest`: a hint that lets an instance already there skip the read
 * (never data: a forged one still costs one query and nothing else).
 */
export class DrainHandsItsRowsToTheLeader1764730000000 implements MigrationInterface {
  name = 'DrainHandsItsRowsToTheLeader1764730000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER notifications_appended ON notifications`);
    await db.query(`DROP FUNCTION notifier_announce_append()`);
    await db.query(`DROP FUNCTION notifier_drain_outbox(integer, boolean)`);
    await db.query(`
      CREATE FUNCTION notifier_drain_outbox(batch integer, max_bytes integer DEFAULT 2147483647)
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
    await db.query(`
      DO $$ BEGIN
        EXECUTE format('ALTER FUNCTION notifier_drain_outbox(integer, integer) SET search_path = %I, pg_catalog, pg_temp',
                       current_schema());
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION notifier_drain_outbox(integer, integer)`);
    await db.query(`
      CREATE FUNCTION notifier_drain_outbox(batch integer, traced boolean DEFAULT false)
      RETURNS TABLE (moved integer, last_id bigint, lag_seconds float8[], ids text[], traceparents text[])
      LANGUAGE plpgsql AS $$
      BEGIN
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
    await db.query(`
      CREATE FUNCTION notifier_announce_append() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('notifications_appended', '');
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER notifications_appended
        AFTER INSERT ON notifications REFERENCING NEW TABLE AS appended
        FOR EACH STATEMENT EXECUTE FUNCTION notifier_announce_append()`);
    await db.query(`
      DO $$ BEGIN
        EXECUTE format('ALTER FUNCTION notifier_drain_outbox(integer, boolean) SET search_path = %I, pg_catalog, pg_temp',
                       current_schema());
        EXECUTE format('ALTER FUNCTION notifier_announce_append() SET search_path = %I, pg_catalog, pg_temp',
                       current_schema());
      END $$`);
  }
}
