import { MigrationInterface, QueryRunner } from 'typeorm';
import { LOCK_SPACE, LOCKS } from '../libs/postgres-objects/src';
import {
  CREATE_MEASURE_PAYLOAD,
  CREATE_MEASURE_PAYLOAD_TRIGGER,
} from './1764000000000-ByteBoundedPagesAndReadStateRows';
import { PIN_FUNCTION_SEARCH_PATHS } from './1764210000000-PinFunctionSearchPath';
import { CREATE_TRACED_DRAIN_OUTBOX } from './1764300000000-AddTraceparent';

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
    await db.query(`
      CREATE OR REPLACE FUNCTION notifier_drain_outbox(batch integer, traced boolean DEFAULT false)
      RETURNS TABLE (moved integer, last_id bigint, lag_seconds float8[], ids text[], traceparents text[])
      LANGUAGE plpgsql AS $$
      BEGIN
        -- One drain at a time, so that log ids follow commit order.
        PERFORM pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCKS.drain});
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
    await db.query(PIN_FUNCTION_SEARCH_PATHS);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      CREATE_TRACED_DRAIN_OUTBOX.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'),
    );
    await db.query(CREATE_MEASURE_PAYLOAD);
    await db.query(CREATE_MEASURE_PAYLOAD_TRIGGER);
    await db.query(PIN_FUNCTION_SEARCH_PATHS);
  }
}
