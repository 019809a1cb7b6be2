import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a stream, on any instance, was first sent each notification (null until then): the
 * receipt that tells "delivered" from "sent", and what the push worker waits for.
 */
export class AddDeliveryReceipts1764400000000 implements MigrationInterface {
  name = 'AddDeliveryReceipts1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notifications ADD COLUMN delivered_at timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notifications DROP COLUMN delivered_at`);
  }
}
