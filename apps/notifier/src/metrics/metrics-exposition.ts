import { Injectable, OnModuleDestroy } from '@nestjs/common';
import cluster from 'node:cluster';
import { clusterMetrics, shareMetricsWithPrimary } from '../cluster/cluster-metrics';
import { NotifierMetrics } from './notifier-metrics';

/**
 * What a scrape answers: this instance's metrics or, in a worker of NOTIFIER_WORKERS > 1, every
 * worker's, aggregated by the cluster primary (a scrape reaches whichever worker the kernel
 * hands the connection to).
 */
@Injectable()
export class MetricsExposition implements OnModuleDestroy {
  private readonly stopSharing?: () => void;

  constructor(private readonly metrics: NotifierMetrics) {
    if (cluster.isWorker) this.stopSharing = shareMetricsWithPrimary(metrics.registry);
  }

  text(): Promise<string> {
    return cluster.isWorker ? clusterMetrics() : this.metrics.registry.metrics();
  }

  onModuleDestroy(): void {
    this.stopSharing?.();
  }
}
