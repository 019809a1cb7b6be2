import { Logger, OnModuleInit } from '@nestjs/common';
import { DataSource, MigrationExecutor } from 'typeorm';
// By a relative path: this lib loads where no path alias resolves (see postgres-objects.ts).
import { CONNECTION_SETTINGS } from '../../config/src/connection-settings';
import { dataSourceOptions, MigrationList } from './data-source-options';
import { lockKeys } from './postgres-objects';

/** Instances and `migrate` runs starting together take turns, so each migration runs once. */
const MIGRATION_LOCK = lockKeys('migrations');

/**
 * Applies the pending migrations, each in its own transaction, on one session that holds the
 * migration lock throughout: a second migrator waits for the lock, then finds nothing pending.
 * The session is not the pool's: a migration on a large table may take minutes, and so may
 * the wait, which the pool's statement timeout would cut short. Returns what it applied.
 */
export async function migrateDatabase(url: string, migrations: MigrationList): Promise<string[]> {
  const db = new DataSource({
    ...dataSourceOptions(url, migrations, { applicationName: 'notifier-migrate' }),
    extra: { max: 2, ...CONNECTION_SETTINGS },
  });
  await db.initialize();
  try {
    const session = db.createQueryRunner();
    await session.connect();
    // Released with the session, which destroy() ends, whatever happens in between.
    await session.query('SELECT pg_advisory_lock($1, $2)', [...MIGRATION_LOCK]);
    const executor = new MigrationExecutor(db, session);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    return applied.map((migration) => migration.name);
  } finally {
    await db.destroy();
  }
}

/** The migrations this code has that the database lacks, by name. */
async function pendingMigrations(db: DataSource): Promise<string[]> {
  const pending = await new MigrationExecutor(db).getPendingMigrations();
  return pending.map((migration) => migration.name);
}

/**
 * At start-up, before anything reads a table: applies the pending migrations, or, where
 * MIGRATE_ON_START=false leaves them to `migrate`, refuses a database that lacks one.
 */
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger(MigrationRunner.name);

  constructor(
    private readonly db: DataSource,
    private readonly url: string,
    private readonly migrations: MigrationList,
    private readonly migrateOnStart: boolean,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.migrateOnStart) return this.expectNonePending();
    const applied = await migrateDatabase(this.url, this.migrations);
    for (const name of applied) this.logger.log(`Applied migration ${name}`);
  }

  private async expectNonePending(): Promise<void> {
    const pending = await pendingMigrations(this.db);
    if (pending.length === 0) return;
    throw new Error(
      `The database lacks ${pending.length} migrations (${pending.join(', ')}) and ` +
        'MIGRATE_ON_START is false: run `migrate` first',
    );
  }
}
