import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsExposition } from './metrics-exposition';
import { NotifierMetrics } from './notifier-metrics';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [NotifierMetrics, MetricsExposition],
  exports: [NotifierMetrics],
})
export class MetricsModule {}
