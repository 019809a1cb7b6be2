import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from '@app/auth';
import { ChangeFeedModule } from '@app/change-feed';
import { ConfigModule, NotifierConfig } from '@app/config';
import { PersistenceModule } from '@app/persistence';
import { HttpErrorFilter } from './errors/http-error.filter';
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
      providers: [
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            transform: true,
            stopAtFirstError: false,
          }),
        },
      ],
    };
  }
}
