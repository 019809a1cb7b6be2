import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from '@app/auth';
import { ChangeFeedModule } from '@app/change-feed';
import { ConfigModule, NotifierConfig } from '@app/config';
import { PersistenceModule } from '@app/persistence';
import { MIGRATIONS } from '../../../migrations';
import { HttpErrorFilter } from './errors/http-error.filter';
import { AdminModule } from './admin/admin.module';
import { HealthModule } from './health/health.module';
import { InboxModule } from './inbox/inbox.module';
import { IngestModule } from './ingest/ingest.module';
import { MetricsModule } from './metrics/metrics.module';
import { PreferencesModule } from './preferences/preferences.module';
import { PushModule } from './push/push.module';
import { RequestLogModule } from './request-log';
import { RetentionModule } from './retention/retention.module';
import { StreamModule } from './stream/stream.module';
import { WatchesModule } from './watches/watches.module';
import { WebModule } from './web/web.module';

@Module({})
export class AppModule {
  static forRoot(config: NotifierConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, databaseUrl),
        RequestLogModule.forRoot(config.logLevel),
        PersistenceModule.forRoot(databaseUrl, MIGRATIONS, {
          migrateOnStart: config.migrateOnStart,
          poolSize: config.databasePoolSize,
        }),
        ChangeFeedModule,
        AuthModule,
        MetricsModule,
        HealthModule,
        IngestModule,
        StreamModule,
        InboxModule,
        AdminModule,
        RetentionModule,
        WatchesModule,
        PushModule,
        PreferencesModule,
        WebModule.forRoot(config),
      ],
      providers: [
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            // Unknown fields are dropped rather than refused: query strings may carry access_token.
            forbidNonWhitelisted: false,
            transform: true,
            stopAtFirstError: false,
          }),
        },
      ],
    };
  }
}
