import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ingester's drain as one function, so that a batch is one statement (one round trip) in
 * its own transaction. The transaction-level advisory lock serializes drains: ids are handed
 * out in commit order, so a reader resuming with `id > n` never skips a row committed later.
 */
export class CreateDrainOutboxFunction1763900000000 implements MigrationInterface {
  name = 'CreateDrainOutboxFunction1763900000000';

  async up(db: QueryRunner): Promise<void> {
    // 1852798054 is 0x6e6f7466 ("notf"): the first key of every Notifier advisory lock.
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
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION notifier_drain_outbox(integer)`);
  }
}
