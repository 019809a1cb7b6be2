import { DataSourceOptions, MigrationInterface } from 'typeorm';
// By a relative path: this lib loads where no path alias resolves (see postgres-objects.ts).
import { CONNECTION_SETTINGS, QUERY_TIMEOUTS } from '../../config/src/connection-settings';
import { ClosedStreamEntity } from './entities/closed-stream.entity';
import { NotificationEntity } from './entities/notification.entity';
import { OutboxEntryEntity } from './entities/outbox-entry.entity';

/** Listed explicitly (not by glob) so that ts-node, Jest and the build agree. */
export const ENTITIES = [NotificationEntity, OutboxEntryEntity, ClosedStreamEntity];

/** The migrations, oldest first: `migrations/index.ts` lists them, and whoever opens the database hands them in. */
export type MigrationList = (new () => MigrationInterface)[];

/** `poolSize`: DATABASE_POOL_SIZE for the service's pool; one-off users (migrations) need few. */
export function dataSourceOptions(
  url: string,
  migrations: MigrationList,
  { applicationName = 'notifier', poolSize = 10 } = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    applicationName,
    entities: ENTITIES,
    migrations,
    migrationsTransactionMode: 'each',
    synchronize: false,
    extra: { max: poolSize, ...CONNECTION_SETTINGS, ...QUERY_TIMEOUTS },
  };
}
