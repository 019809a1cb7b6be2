import type { MigrationInterface } from 'typeorm';
import { CreateNotifierSchema1763750000000 } from './1763750000000-CreateNotifierSchema';
import { CreateRetentionWatermark1763800000000 } from './1763800000000-CreateRetentionWatermark';
import { CreateTableWatches1763850000000 } from './1763850000000-CreateTableWatches';
import { CreateDrainOutboxFunction1763900000000 } from './1763900000000-CreateDrainOutboxFunction';
import { ByteBoundedPagesAndReadStateRows1764000000000 } from './1764000000000-ByteBoundedPagesAndReadStateRows';
import { WakeIngesterFromWal1764100000000 } from './1764100000000-WakeIngesterFromWal';
import { RefuseWatchingOwnTables1764200000000 } from './1764200000000-RefuseWatchingOwnTables';
import { PinFunctionSearchPath1764210000000 } from './1764210000000-PinFunctionSearchPath';
import { AddTraceparent1764300000000 } from './1764300000000-AddTraceparent';
import { AddDeliveryReceipts1764400000000 } from './1764400000000-AddDeliveryReceipts';
import { CreatePushSubscriptions1764450000000 } from './1764450000000-CreatePushSubscriptions';
import { LeaveRoomForDeliveryReceipts1764500000000 } from './1764500000000-LeaveRoomForDeliveryReceipts';
import { PublishOnlyOutboxIds1764600000000 } from './1764600000000-PublishOnlyOutboxIds';
import { DrainOutboxThroughItsIndex1764610000000 } from './1764610000000-DrainOutboxThroughItsIndex';
import { RecordRetentionPerUser1764720000000 } from './1764720000000-RecordRetentionPerUser';
import { DrainHandsItsRowsToTheLeader1764730000000 } from './1764730000000-DrainHandsItsRowsToTheLeader';
import { AddDedupeKeys1764800000000 } from './1764800000000-AddDedupeKeys';
import { CreateUserPreferences1764810000000 } from './1764810000000-CreateUserPreferences';

/**
 * Every migration, oldest first. Listed explicitly (not by glob) so that ts-node, Jest and the
 * build agree. Whoever opens the database hands this list to persistence (`dataSourceOptions`):
 * the app module and `migrate` (apps/notifier/src/main.ts), the tests' global set-up.
 */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
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
  DrainHandsItsRowsToTheLeader1764730000000,
  AddDedupeKeys1764800000000,
  CreateUserPreferences1764810000000,
];
