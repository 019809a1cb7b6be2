import { DataSourceOptions } from 'typeorm';
import { CreateNotifierSchema1763750000000 } from '../../../migrations/1763750000000-CreateNotifierSchema';
import { CreateRetentionWatermark1763800000000 } from '../../../migrations/1763800000000-CreateRetentionWatermark';
import { CreateTableWatches1763850000000 } from '../../../migrations/1763850000000-CreateTableWatches';
import { CreateDrainOutboxFunction1763900000000 } from '../../../migrations/1763900000000-CreateDrainOutboxFunction';
import { ByteBoundedPagesAndReadStateRows1764000000000 } from '../../../migrations/1764000000000-ByteBoundedPagesAndReadStateRows';
import { WakeIngesterFromWal1764100000000 } from '../../../migrations/1764100000000-WakeIngesterFromWal';
import { RefuseWatchingOwnTables1764200000000 } from '../../../migrations/1764200000000-RefuseWatchingOwnTables';
import { PinFunctionSearchPath1764210000000 } from '../../../migrations/1764210000000-PinFunctionSearchPath';
import { AddTraceparent1764300000000 } from '../../../migrations/1764300000000-AddTraceparent';
import { AddDeliveryReceipts1764400000000 } from '../../../migrations/1764400000000-AddDeliveryReceipts';
import { CreatePushSubscriptions1764450000000 } from '../../../migrations/1764450000000-CreatePushSubscriptions';
import { LeaveRoomForDeliveryReceipts1764500000000 } from '../../../migrations/1764500000000-LeaveRoomForDeliveryReceipts';
import { PublishOnlyOutboxIds1764600000000 } from '../../../migrations/1764600000000-PublishOnlyOutboxIds';
import { DrainOutboxThroughItsIndex1764610000000 } from '../../../migrations/1764610000000-DrainOutboxThroughItsIndex';
import { RecordRetentionPerUser1764720000000 } from '../../../migrations/1764720000000-RecordRetentionPerUser';
import { AddDedupeKeys1764800000000 } from '../../../migrations/1764800000000-AddDedupeKeys';
import { CreateUserPreferences1764810000000 } from '../../../migrations/1764810000000-CreateUserPreferences';
// By a relative path: this lib loads where no path alias resolves (see postgres-objects.ts).
import { CONNECTION_SETTINGS, QUERY_TIMEOUTS } from '../../config/src/connection-settings';
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
  ByteBoundedPagesAndReadStateRows1764000000000,
  WakeIngesterFromWal1764100000000,
  RefuseWatchingOwnTables1764200000000,
  PinFunctionSearchPath1764210000000,
  AddTraceparent1764300000000,
  AddDeliveryReceipts1764400000000,
  CreatePushSubscriptions1764450000000,
  LeaveRoomForDeliveryReceipts1764500000000,
  PublishOnlyOutboxIds1764600000000,
  DrainOutboxThroughItsIndex1764610000000,
  RecordRetentionPerUser1764720000000,
  AddDedupeKeys1764800000000,
  CreateUserPreferences1764810000000,
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
    extra: { max: 10, ...CONNECTION_SETTINGS, ...QUERY_TIMEOUTS },
  };
}
