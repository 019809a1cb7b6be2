import { Controller, HttpCode, Post } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ApiExcludeController } from '@nestjs/swagger';
import { NotifierConfig } from '@app/config';
import { DEMO_USER, signDemoToken } from './demo-token';

/** Registered only when demoTokensOffered (never in production): the page's "demo token" button. */
@ApiExcludeController()
@Controller('dev')
export class DemoTokenController {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: NotifierConfig,
  ) {}

  @Post('demo-token')
  @HttpCode(200)
  issue(): { userId: string; token: string } {
    return { userId: DEMO_USER, token: signDemoToken(this.jwt, this.config.jwt) };
  }
}
