import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The highest log id retention may have deleted. Retention only ever deletes a prefix of the
 * log by id and raises this before deleting, so a resume point below it may have lost rows.
 */
export class CreateRetentionWatermark1763800000000 implements MigrationInterface {
  name = 'CreateRetentionWatermark1763800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE retention_watermark (
        singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT retention_watermark_one_row CHECK (singleton),
        deleted_up_to bigint NOT NULL DEFAULT 0
      )`);
    await db.query(`INSERT INTO retention_watermark DEFAULT VALUES`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE retention_watermark`);
  }
}
