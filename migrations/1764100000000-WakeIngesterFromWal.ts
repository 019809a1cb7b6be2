import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Producers' transactions run no NOTIFY by default: a transaction that ran NOTIFY takes
 * Postgres' global notification lock at commit, which serializes every such commit in the
 * database. The ingest leader learns of new rows from the WAL through this publication of the
 * outbox's inserts (not its deletes: the drains would wake it again). The NOTIFY trigger
 * exists only while the service runs with OUTBOX_WAKE=notify; it sets that at start-up with
 * `notifier_set_outbox_wake`, which does nothing (and takes no lock) when nothing changes.
 */
export class WakeIngesterFromWal1764100000000 implements MigrationInterface {
  name = 'WakeIngesterFromWal1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER IF EXISTS notification_outbox_inserted ON notification_outbox`);
    await db.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'notifier_outbox') THEN
          CREATE PUBLICATION notifier_outbox FOR TABLE notification_outbox
            WITH (publish = 'insert');
        END IF;
      END $$`);
    await db.query(`
      CREATE FUNCTION notifier_set_outbox_wake(mode text) RETURNS void
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      DECLARE
        present boolean := EXISTS (
          SELECT 1 FROM pg_trigger
          WHERE tgrelid = 'notification_outbox'::regclass AND tgname = 'notification_outbox_inserted');
      BEGIN
        IF mode IS NULL OR mode NOT IN ('wal', 'notify', 'poll') THEN
          RAISE EXCEPTION 'outbox wake mode must be wal, notify or poll, not %', mode
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mode = 'notify' AND NOT present THEN
          BEGIN
            CREATE TRIGGER notification_outbox_inserted
              AFTER INSERT ON notification_outbox
              FOR EACH STATEMENT EXECUTE FUNCTION notifier_wake_ingester();
          EXCEPTION WHEN duplicate_object THEN
            -- Another instance starting at the same time created it: the state asked for holds.
            NULL;
          END;
        ELSIF mode <> 'notify' AND present THEN
          DROP TRIGGER IF EXISTS notification_outbox_inserted ON notification_outbox;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`SELECT notifier_set_outbox_wake('notify')`);
    await db.query(`DROP FUNCTION notifier_set_outbox_wake(text)`);
    await db.query(`DROP PUBLICATION IF EXISTS notifier_outbox`);
  }
}
