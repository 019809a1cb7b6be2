import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from '@app/auth';
import { ChangeFeedModule } from '@app/change-feed';
import { ConfigModule, NotifierConfig } from '@app/config';
import { PersistenceModule } from '@app/persistence';
import { IngestModule } from './ingest/ingest.module';
import { requestLogOptions } from './request-log';
import { StreamModule } from './stream/stream.module';

@Module({})
export class AppModule {
  static forRoot(config: NotifierConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({ pinoHttp: requestLogOptions(config.logLevel) }),
        PersistenceModule.forRoot(databaseUrl),
        ChangeFeedModule,
        AuthModule,
        IngestModule,
        StreamModule,
      ],
    };
  }
}
