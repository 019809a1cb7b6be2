import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What retention deleted, per user: the highest id of that user's it deleted, written in the
 * same statement as the delete. A stream resuming below it lost rows of its own and is told
 * so with a reset; one resuming below the global watermark alone lost nothing and is not.
 * Deletions made before this migration are not known per user: they send no reset.
 */
export class RecordRetentionPerUser1764720000000 implements MigrationInterface {
  name = 'RecordRetentionPerUser1764720000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE retention_user_watermarks (
        user_id text PRIMARY KEY,
        deleted_up_to bigint NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE retention_user_watermarks`);
  }
}
