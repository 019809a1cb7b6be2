import { DynamicModule, Global, Module } from '@nestjs/common';
import { NotifierConfig } from './notifier-config';

/** Provides the already validated NotifierConfig to every module. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: NotifierConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: NotifierConfig, useValue: config }],
      exports: [NotifierConfig],
    };
  }
}
