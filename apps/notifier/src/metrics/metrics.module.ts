import { Global, Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { MetricsController } from './metrics.controller';
import { NotifierMetrics } from './notifier-metrics';
import { ServiceStateGauges } from './service-state-gauges';

@Global()
@Module({
  imports: [IngestModule],
  controllers: [MetricsController],
  providers: [NotifierMetrics, ServiceStateGauges],
  exports: [NotifierMetrics],
})
export class MetricsModule {}
