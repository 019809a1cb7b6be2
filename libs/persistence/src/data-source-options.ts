import { DataSourceOptions } from 'typeorm';
import { CreateNotifierSchema1763750000000 } from '../../../migrations/1763750000000-CreateNotifierSchema';
import { ClosedStreamEntity } from './entities/closed-stream.entity';
import { NotificationEntity } from './entities/notification.entity';
import { OutboxEntryEntity } from './entities/outbox-entry.entity';

/** Listed explicitly (not by glob) so that ts-node, Jest and the build agree. */
export const ENTITIES = [NotificationEntity, OutboxEntryEntity, ClosedStreamEntity];
export const MIGRATIONS = [CreateNotifierSchema1763750000000];

export function dataSourceOptions(url: string, applicationName = 'notifier'): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    applicationName,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    extra: { max: 10 },
  };
}
