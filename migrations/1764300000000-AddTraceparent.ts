import { MigrationInterface, QueryRunner } from 'typeorm';
import { LOCK_SPACE, LOCKS, TRACEPARENT_PATTERN } from '../libs/postgres-objects/src';
import { CREATE_DRAIN_OUTBOX } from './1763900000000-CreateDrainOutboxFunction';
import { PIN_FUNCTION_SEARCH_PATHS } from './1764210000000-PinFunctionSearchPath';

/** The drain as this migration left it (a later one goes back to it on the way down). */
export const CREATE_TRACED_DRAIN_OUTBOX = `
      CREATE FUNCTION notifier_drain_outbox(batch integer, traced boolean DEFAULT false)
      RETURNS TABLE (moved integer, last_id bigint, lag_seconds float8[], ids text[], traceparents text[])
      LANGUAGE plpgsql AS $$
      BEGIN
        -- One drain at a time, so that log ids follow commit order.
        PERFORM pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCKS.drain});
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
      END $$`;

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
        CONSTRAINT outbox_traceparent_is_w3c_trace_context CHECK (traceparent ~ '${TRACEPARENT_PATTERN}')`);
    await db.query(`
      ALTER TABLE notifications ADD COLUMN traceparent text
        CONSTRAINT notifications_traceparent_is_w3c_trace_context CHECK (traceparent ~ '${TRACEPARENT_PATTERN}')`);
    // The result gains columns, which CREATE OR REPLACE cannot do: the old one goes first.
    await db.query(`DROP FUNCTION notifier_drain_outbox(integer)`);
    await db.query(CREATE_TRACED_DRAIN_OUTBOX);
    await db.query(PIN_FUNCTION_SEARCH_PATHS);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION notifier_drain_outbox(integer, boolean)`);
    await db.query(CREATE_DRAIN_OUTBOX);
    await db.query(`ALTER TABLE notifications DROP COLUMN traceparent`);
    await db.query(`ALTER TABLE notification_outbox DROP COLUMN traceparent`);
  }
}
