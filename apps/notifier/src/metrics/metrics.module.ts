import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { NotifierMetrics } from './notifier-metrics';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [NotifierMetrics],
  exports: [NotifierMetrics],
})
export class MetricsModule {}
