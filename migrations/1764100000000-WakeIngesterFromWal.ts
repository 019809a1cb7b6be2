import { MigrationInterface, QueryRunner } from 'typeorm';
import { OUTBOX_NOTIFY_TRIGGER, OUTBOX_PUBLICATION } from '../libs/postgres-objects/src';

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
    await db.query(`DROP TRIGGER IF EXISTS ${OUTBOX_NOTIFY_TRIGGER} ON notification_outbox`);
    await db.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = '${OUTBOX_PUBLICATION}') THEN
          CREATE PUBLICATION ${OUTBOX_PUBLICATION} FOR TABLE notification_outbox
            WITH (publish = 'insert');
        END IF;
      END $$`);
    await db.query(`
      CREATE FUNCTION notifier_set_outbox_wake(mode text) RETURNS void
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      DECLARE
        present boolean := EXISTS (
          SELECT 1 FROM pg_trigger
          WHERE tgrelid = 'notification_outbox'::regclass AND tgname = '${OUTBOX_NOTIFY_TRIGGER}');
      BEGIN
        IF mode IS NULL OR mode NOT IN ('wal', 'notify', 'poll') THEN
          RAISE EXCEPTION 'outbox wake mode must be wal, notify or poll, not %', mode
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mode = 'notify' AND NOT present THEN
          BEGIN
            CREATE TRIGGER ${OUTBOX_NOTIFY_TRIGGER}
              AFTER INSERT ON notification_outbox
              FOR EACH STATEMENT EXECUTE FUNCTION notifier_wake_ingester();
          EXCEPTION WHEN duplicate_object THEN
            -- Another instance starting at the same time created it: the state asked for holds.
            NULL;
          END;
        ELSIF mode <> 'notify' AND present THEN
          DROP TRIGGER IF EXISTS ${OUTBOX_NOTIFY_TRIGGER} ON notification_outbox;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`SELECT notifier_set_outbox_wake('notify')`);
    await db.query(`DROP FUNCTION notifier_set_outbox_wake(text)`);
    await db.query(`DROP PUBLICATION IF EXISTS ${OUTBOX_PUBLICATION}`);
  }
}
