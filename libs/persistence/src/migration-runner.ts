import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { lockKeys } from './postgres-objects';

/** Instances starting together take turns, so each migration runs exactly once. */
const MIGRATION_LOCK = lockKeys('migrations');

@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger(MigrationRunner.name);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async onModuleInit(): Promise<void> {
    const session = this.db.createQueryRunner();
    await session.connect();
    try {
      await session.query('SELECT pg_advisory_lock($1, $2)', [...MIGRATION_LOCK]);
      const applied = await this.db.runMigrations({ transaction: 'each' });
      for (const migration of applied) this.logger.log(`Applied migration ${migration.name}`);
    } finally {
      await session.query('SELECT pg_advisory_unlock($1, $2)', [...MIGRATION_LOCK]);
      await session.release();
    }
  }
}
