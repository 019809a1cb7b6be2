import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Web Push: the browsers' subscriptions, what was pushed to each (so that a notification is
 * pushed once per subscription, across restarts and leader changes), and how far the push
 * worker has looked through the log.
 */
export class CreatePushSubscriptions1764450000000 implements MigrationInterface {
  name = 'CreatePushSubscriptions1764450000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE push_subscriptions (
        id bigserial PRIMARY KEY,
        endpoint text NOT NULL CONSTRAINT push_subscriptions_endpoint_unique UNIQUE,
        user_id text NOT NULL,
        p256dh text NOT NULL,
        auth text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT push_subscriptions_endpoint_https_at_most_1000_chars
          CHECK (endpoint LIKE 'https://%' AND char_length(endpoint) <= 1000),
        CONSTRAINT push_subscriptions_user_id_1_to_200_chars
          CHECK (char_length(user_id) BETWEEN 1 AND 200),
        CONSTRAINT push_subscriptions_p256dh_is_65_bytes_base64url
          CHECK (p256dh ~ '^[A-Za-z0-9_-]{87}$'),
        CONSTRAINT push_subscriptions_auth_is_16_bytes_base64url
          CHECK (auth ~ '^[A-Za-z0-9_-]{22}$')
      )`);
    await db.query(
      `CREATE INDEX push_subscriptions_user_id_created_at ON push_subscriptions (user_id, created_at, id)`,
    );

    await db.query(`
      CREATE TABLE push_deliveries (
        notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
        subscription_id bigint NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
        state text NOT NULL CONSTRAINT push_deliveries_state_is_known
          CHECK (state IN ('sending', 'retry', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 1,
        next_attempt_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        PRIMARY KEY (notification_id, subscription_id)
      )`);
    await db.query(
      `CREATE INDEX push_deliveries_subscription_id ON push_deliveries (subscription_id)`,
    );
    await db.query(
      `CREATE INDEX push_deliveries_pending ON push_deliveries (next_attempt_at) WHERE state IN ('sending', 'retry')`,
    );

    // Starts at the end of the log: what was appended before push existed is not pushed.
    await db.query(`
      CREATE TABLE push_scan (
        singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT push_scan_one_row CHECK (singleton),
        scanned_up_to bigint NOT NULL
      )`);
    await db.query(
      `INSERT INTO push_scan (scanned_up_to) SELECT coalesce(max(id), 0) FROM notifications`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE push_scan`);
    await db.query(`DROP TABLE push_deliveries`);
    await db.query(`DROP TABLE push_subscriptions`);
  }
}
