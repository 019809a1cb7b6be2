import { DynamicModule, Global, Module } from '@nestjs/common';
import { DATABASE_URL } from './database-url';
import { NotifierConfig } from './notifier-config';

/** Provides the already validated NotifierConfig, and the database's URL, to every module. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: NotifierConfig, databaseUrl: string): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: NotifierConfig, useValue: config },
        { provide: DATABASE_URL, useValue: databaseUrl },
      ],
      exports: [NotifierConfig, DATABASE_URL],
    };
  }
}
