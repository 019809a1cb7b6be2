import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every log row is updated once, moments after its append, by its delivery receipt. With full
 * pages that update cannot stay on the row's page, so it writes a new row version elsewhere and
 * an entry in each of the three indexes. Pages half filled by appends leave room for it: the
 * update is then HOT (no index entry), about a quarter of the cost, and the live reads of the
 * newest rows do not step over dead index entries. Only pages written from now on are affected.
 */
export class LeaveRoomForDeliveryReceipts1764500000000 implements MigrationInterface {
  name = 'LeaveRoomForDeliveryReceipts1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notifications SET (fillfactor = 50)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notifications RESET (fillfactor)`);
  }
}
