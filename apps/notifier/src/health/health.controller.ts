import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { ChangeFeed } from '@app/change-feed';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly feed: ChangeFeed,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: '200 when the database answers and the listener is connected, else 503',
  })
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 1500 }),
      () => {
        const listener = this.indicators.check('listener');
        return this.feed.isConnected ? listener.up() : listener.down('reconnecting');
      },
    ]);
  }
}
