import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { ChangeFeed } from '@app/change-feed';
import { NotifierMetrics } from '../metrics/notifier-metrics';

/** The listener half of readiness, as a metric read at scrape time: it never disagrees with /health. */
@Injectable()
export class ListenerGauge {
  constructor(feed: ChangeFeed, metrics: NotifierMetrics) {
    new Gauge({
      name: 'notifier_listener_connected',
      help: '1 while the LISTEN connection is up, else 0 (readiness answers 503 meanwhile)',
      registers: [metrics.registry],
      // Over a cluster's workers: 1 only while every worker listens.
      aggregator: 'min',
      collect() {
        this.set(feed.isConnected ? 1 : 0);
      },
    });
  }
}
