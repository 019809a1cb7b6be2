import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { OutboxBacklog, OutboxRepository } from '@app/persistence';
import { NotifierMetrics } from '../metrics/notifier-metrics';

/**
 * The outbox as the database sees it, read at scrape time by every instance, leader or not: a
 * drain that stalls (a lock, a stuck connection) shows as a growing age even while nothing is
 * appended, when no ingest metric moves. An unreadable outbox reads NaN, never a calm 0.
 */
@Injectable()
export class OutboxBacklogGauges {
  private readonly logger = new Logger(OutboxBacklogGauges.name);
  /** One query per scrape, shared by both gauges. */
  private reading?: Promise<OutboxBacklog | undefined>;

  constructor(
    private readonly outbox: OutboxRepository,
    metrics: NotifierMetrics,
  ) {
    const read = () => this.read();
    new Gauge({
      name: 'notifier_outbox_backlog',
      help: 'Rows waiting in the outbox, read from the database at scrape time',
      registers: [metrics.registry],
      // Every worker of a cluster reads the same outbox.
      aggregator: 'max',
      async collect() {
        this.set((await read())?.count ?? Number.NaN);
      },
    });
    new Gauge({
      name: 'notifier_outbox_oldest_age_seconds',
      help: 'How long the oldest outbox row has waited (0 when empty), read at scrape time',
      registers: [metrics.registry],
      aggregator: 'max',
      async collect() {
        this.set((await read())?.oldestAgeSeconds ?? Number.NaN);
      },
    });
  }

  private read(): Promise<OutboxBacklog | undefined> {
    this.reading ??= this.outbox
      .backlog()
      .catch((error: Error) => {
        this.logger.warn(`Reading the outbox backlog for /metrics failed: ${error.message}`);
        return undefined;
      })
      .finally(() => (this.reading = undefined));
    return this.reading;
  }
}
