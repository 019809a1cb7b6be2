import { DataSourceOptions } from 'typeorm';
import { CreateNotifierSchema1763750000000 } from '../../../migrations/1763750000000-CreateNotifierSchema';
import { CreateRetentionWatermark1763800000000 } from '../../../migrations/1763800000000-CreateRetentionWatermark';
import { CreateTableWatches1763850000000 } from '../../../migrations/1763850000000-CreateTableWatches';
import { CreateDrainOutboxFunction1763900000000 } from '../../../migrations/1763900000000-CreateDrainOutboxFunction';
import { AddDeliveryReceipts1764400000000 } from '../../../migrations/1764400000000-AddDeliveryReceipts';
import { CreatePushSubscriptions1764450000000 } from '../../../migrations/1764450000000-CreatePushSubscriptions';
import { ClosedStreamEntity } from './entities/closed-stream.entity';
import { NotificationEntity } from './entities/notification.entity';
import { OutboxEntryEntity } from './entities/outbox-entry.entity';

/** Listed explicitly (not by glob) so that ts-node, Jest and the build agree. */
export const ENTITIES = [NotificationEntity, OutboxEntryEntity, ClosedStreamEntity];
export const MIGRATIONS = [
  CreateNotifierSchema1763750000000,
  CreateRetentionWatermark1763800000000,
  CreateTableWatches1763850000000,
  CreateDrainOutboxFunction1763900000000,
  AddDeliveryReceipts1764400000000,
  CreatePushSubscriptions1764450000000,
];

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
