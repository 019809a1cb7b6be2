import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pages of the log are bounded in bytes: each row carries the size of its payload as the
 * stream sends it, computed once when it is stored, so a page query sums sizes without
 * serializing rows it will not send.
 *
 * NOTIFY carries no data: the append wake-up loses its payload, and read-state changes become
 * rows that every instance reads after a wake-up (and catches up on after a reconnect). Their
 * ids are handed out under an advisory lock, so commit order is id order and a reader that
 * resumes with `id > n` never skips one.
 */
export class ByteBoundedPagesAndReadStateRows1764000000000 implements MigrationInterface {
  name = 'ByteBoundedPagesAndReadStateRows1764000000000';

  async up(db: QueryRunner): Promise<void> {
    // A trigger rather than a generated column: TypeORM tracks generated columns per database
    // name, which a database cloned from a template (as every test database is) does not keep.
    await db.query(`ALTER TABLE notifications ADD COLUMN payload_bytes integer`);
    await db.query(`UPDATE notifications SET payload_bytes = octet_length(payload::text)`);
    await db.query(`ALTER TABLE notifications ALTER COLUMN payload_bytes SET NOT NULL`);
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
      CREATE OR REPLACE FUNCTION notifier_announce_append() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('notifications_appended', '');
        RETURN NULL;
      END $$`);

    await db.query(`CREATE SEQUENCE read_state_changes_id_seq AS bigint`);
    await db.query(`
      CREATE TABLE read_state_changes (
        id bigint PRIMARY KEY,
        user_id text NOT NULL,
        ids bigint[],
        up_to bigint,
        changed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT read_state_changes_ids_or_up_to CHECK ((ids IS NULL) <> (up_to IS NULL))
      )`);
    await db.query(`ALTER SEQUENCE read_state_changes_id_seq OWNED BY read_state_changes.id`);
    // 1852798054 is 0x6e6f7466 ("notf"): the first key of every Notifier advisory lock.
    await db.query(`
      CREATE FUNCTION notifier_next_read_state_change_id() RETURNS bigint LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(1852798054, 3);
        PERFORM pg_notify('notifications_read', '');
        RETURN nextval('read_state_changes_id_seq');
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION notifier_next_read_state_change_id()`);
    await db.query(`DROP TABLE read_state_changes`);
    await db.query(`
      CREATE OR REPLACE FUNCTION notifier_announce_append() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE newest bigint;
      BEGIN
        SELECT max(id) INTO newest FROM appended;
        IF newest IS NOT NULL THEN
          PERFORM pg_notify('notifications_appended', newest::text);
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`DROP TRIGGER notifications_payload_bytes ON notifications`);
    await db.query(`DROP FUNCTION notifier_measure_payload()`);
    await db.query(`ALTER TABLE notifications DROP COLUMN payload_bytes`);
  }
}
