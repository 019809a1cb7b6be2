import { Injectable, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { ChangeFeed } from '@app/change-feed';
import { OutboxIngester } from '../ingest/outbox-ingester';
import { NotifierMetrics } from './notifier-metrics';

/**
 * Gauges of the instance's state, read at scrape time from their owners, so they can never
 * disagree with what `/admin/stats` and `/health` report. The alert rules rely on them.
 */
@Injectable()
export class ServiceStateGauges implements OnModuleInit {
  constructor(
    private readonly metrics: NotifierMetrics,
    private readonly ingester: OutboxIngester,
    private readonly feed: ChangeFeed,
  ) {}

  onModuleInit(): void {
    const { ingester, feed } = this;
    new Gauge({
      name: 'notifier_ingest_leader',
      help: '1 while this instance holds the ingest lock and drains the outbox, else 0',
      registers: [this.metrics.registry],
      collect() {
        this.set(ingester.isLeader ? 1 : 0);
      },
    });
    new Gauge({
      name: 'notifier_listener_connected',
      help: '1 while the LISTEN connection is up, else 0 (readiness answers 503 meanwhile)',
      registers: [this.metrics.registry],
      collect() {
        this.set(feed.isConnected ? 1 : 0);
      },
    });
  }
}
