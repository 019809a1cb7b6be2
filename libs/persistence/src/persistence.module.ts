import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions, MigrationList } from './data-source-options';
import { MigrationRunner } from './migration-runner';
import { ClosedStreamRepository } from './repositories/closed-stream.repository';
import { NotificationRepository } from './repositories/notification.repository';
import { OutboxRepository } from './repositories/outbox.repository';
import { ReadStateChangeRepository } from './repositories/read-state-change.repository';
import { PushDeliveryRepository } from './repositories/push-delivery.repository';
import { PushSubscriptionRepository } from './repositories/push-subscription.repository';
import { RetentionWatermarkRepository } from './repositories/retention-watermark.repository';
import { UserPreferencesRepository } from './repositories/user-preferences.repository';
import { WatchRepository } from './repositories/watch.repository';

const REPOSITORIES = [
  NotificationRepository,
  OutboxRepository,
  ClosedStreamRepository,
  RetentionWatermarkRepository,
  ReadStateChangeRepository,
  WatchRepository,
  PushSubscriptionRepository,
  PushDeliveryRepository,
  UserPreferencesRepository,
];

/** The pool, the migrations it is handed (run or checked at start-up), one repository per table. */
@Module({})
export class PersistenceModule {
  static forRoot(
    url: string,
    migrations: MigrationList,
    { migrateOnStart, poolSize }: { migrateOnStart: boolean; poolSize: number },
  ): DynamicModule {
    const runner = {
      provide: MigrationRunner,
      useFactory: (db: DataSource) => new MigrationRunner(db, url, migrations, migrateOnStart),
      inject: [DataSource],
    };
    return {
      module: PersistenceModule,
      global: true,
      imports: [TypeOrmModule.forRoot(dataSourceOptions(url, migrations, { poolSize }))],
      providers: [runner, ...REPOSITORIES],
      exports: REPOSITORIES,
    };
  }
}
