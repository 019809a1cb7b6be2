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
import { Readiness } from './readiness';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly feed: ChangeFeed,
    private readonly readiness: Readiness,
  ) {}

  @Get(['', 'ready'])
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: 200 when the database answers and the listener is connected, else 503',
    description:
      'Also 503 from the first moment of a shutdown. `/health` and `/health/ready` are the same probe.',
  })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => {
        const shutdown = this.indicators.check('shutdown');
        return this.readiness.isDraining ? shutdown.down('draining') : shutdown.up();
      },
      () => this.database.pingCheck('database', { timeout: 1500 }),
      () => {
        const listener = this.indicators.check('listener');
        return this.feed.isConnected ? listener.up() : listener.down('reconnecting');
      },
    ]);
  }

  /** Answering at all proves the process and its event loop run: the database is not asked. */
  @Get('live')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Liveness: 200 while the process and its event loop answer, whatever the database does',
  })
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.indicators.check('process').up()]);
  }
}
