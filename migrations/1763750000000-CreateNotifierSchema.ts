import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox producers write to, the log only the ingester writes to, and the closed streams.
 * NOTIFY payloads carry no data (at most a log id): the tables are the truth.
 */
export class CreateNotifierSchema1763750000000 implements MigrationInterface {
  name = 'CreateNotifierSchema1763750000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE notification_outbox (
        id bigserial PRIMARY KEY,
        user_id text NOT NULL,
        type text NOT NULL DEFAULT 'message',
        payload jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT outbox_user_id_1_to_200_chars_without_control_characters
          CHECK (char_length(user_id) BETWEEN 1 AND 200 AND user_id !~ '[\\x01-\\x1f\\x7f-\\x9f]'),
        CONSTRAINT outbox_type_matches_a_z_0_9_dot_colon_dash_underscore_1_to_100
          CHECK (type ~ '^[A-Za-z0-9_.:-]{1,100}$'),
        CONSTRAINT outbox_payload_at_most_64_kib
          CHECK (octet_length(payload::text) <= 65536)
      )`);

    await db.query(`CREATE SEQUENCE notifications_id_seq AS bigint`);
    await db.query(`
      CREATE TABLE notifications (
        id bigint PRIMARY KEY,
        user_id text NOT NULL,
        type text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz
      )`);
    await db.query(`ALTER SEQUENCE notifications_id_seq OWNED BY notifications.id`);
    await db.query(`CREATE INDEX notifications_user_id_id ON notifications (user_id, id)`);
    await db.query(
      `CREATE INDEX notifications_unread_user_id_id ON notifications (user_id, id) WHERE read_at IS NULL`,
    );

    await db.query(`
      CREATE TABLE closed_streams (
        user_id text PRIMARY KEY,
        closed_at timestamptz NOT NULL DEFAULT now(),
        reason text CONSTRAINT closed_streams_reason_at_most_500_chars CHECK (char_length(reason) <= 500)
      )`);

    await db.query(`
      CREATE FUNCTION notifier_wake_ingester() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('notification_outbox', '');
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER notification_outbox_inserted
        AFTER INSERT ON notification_outbox
        FOR EACH STATEMENT EXECUTE FUNCTION notifier_wake_ingester()`);

    await db.query(`
      CREATE FUNCTION notifier_announce_append() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE newest bigint;
      BEGIN
        SELECT max(id) INTO newest FROM appended;
        IF newest IS NOT NULL THEN
          PERFORM pg_notify('notifications_appended', newest::text);
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER notifications_appended
        AFTER INSERT ON notifications REFERENCING NEW TABLE AS appended
        FOR EACH STATEMENT EXECUTE FUNCTION notifier_announce_append()`);

    await db.query(`
      CREATE FUNCTION notifier_announce_closed_streams() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('closed_streams_changed', '');
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER closed_streams_changed
        AFTER INSERT OR UPDATE OR DELETE ON closed_streams
        FOR EACH STATEMENT EXECUTE FUNCTION notifier_announce_closed_streams()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE closed_streams, notifications, notification_outbox`);
    await db.query(
      `DROP FUNCTION notifier_wake_ingester(), notifier_announce_append(), notifier_announce_closed_streams()`,
    );
  }
}
