import { DynamicModule, Module } from '@nestjs/common';
import { NotifierConfig } from '@app/config';
import { DEMO_TOKENS_ENABLED, demoTokensOffered } from './demo-token';
import { DemoTokenController } from './demo-token.controller';
import { InboxPageController } from './inbox-page.controller';

/** The live inbox page; on a run with a made-up JWT secret also the demo token endpoint. */
@Module({})
export class WebModule {
  static forRoot(config: NotifierConfig): DynamicModule {
    const demoTokens = demoTokensOffered(config);
    return {
      module: WebModule,
      controllers: demoTokens ? [InboxPageController, DemoTokenController] : [InboxPageController],
      providers: [{ provide: DEMO_TOKENS_ENABLED, useValue: demoTokens }],
    };
  }
}
