import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The wake-up reads only that an outbox insert committed, never the row. Publishing the id
 * alone spares the walsender the output function of every column (the jsonb payload above
 * all) and the wire bytes of each row, at every producer commit.
 */
export class PublishOnlyOutboxIds1764600000000 implements MigrationInterface {
  name = 'PublishOnlyOutboxIds1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER PUBLICATION notifier_outbox SET TABLE notification_outbox (id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER PUBLICATION notifier_outbox SET TABLE notification_outbox`);
  }
}
