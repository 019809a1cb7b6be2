import { DynamicModule, Module } from '@nestjs/common';
import { NotifierConfig } from '@app/config';
import { DEMO_TOKENS_ENABLED, demoTokensPossible } from './demo-token';
import { DemoTokenController } from './demo-token.controller';
import { InboxPageController } from './inbox-page.controller';

/** The live inbox page; outside production also the endpoint that hands out demo tokens. */
@Module({})
export class WebModule {
  static forRoot(config: NotifierConfig): DynamicModule {
    const demoTokens = demoTokensPossible(config.production, config.jwt);
    return {
      module: WebModule,
      controllers: demoTokens ? [InboxPageController, DemoTokenController] : [InboxPageController],
      providers: [{ provide: DEMO_TOKENS_ENABLED, useValue: demoTokens }],
    };
  }
}
