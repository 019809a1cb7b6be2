import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ChangeFeed, SingleFlight } from '@app/change-feed';
import { NotificationRepository } from '@app/persistence';
import { NotifierMetrics } from '../metrics/notifier-metrics';
import { traceIngestBatch } from '../tracing/notifier-tracer';
import { IngestLeadership } from './ingest-leadership';

export const OUTBOX_CHANNEL = 'notification_outbox';
const BATCH = 1000;
const SAFETY_POLL_MS = 2_000;

/**
 * Moves producer rows from the outbox into the log while this instance leads. Wakes on the
 * outbox NOTIFY, after every listener reconnect and on a slow poll that covers lost wake-ups.
 */
@Injectable()
export class OutboxIngester implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxIngester.name);
  private readonly drainer = new SingleFlight(
    () => this.drain(),
    (error) => this.logger.error(`Draining the outbox failed: ${error.message}`),
  );
  private poll?: NodeJS.Timeout;

  constructor(
    private readonly log: NotificationRepository,
    private readonly leadership: IngestLeadership,
    private readonly metrics: NotifierMetrics,
    feed: ChangeFeed,
  ) {
    feed.on(OUTBOX_CHANNEL, () => this.wake());
    feed.onConnected(() => this.wake());
  }

  get isLeader(): boolean {
    return this.leadership.isLeader;
  }

  onApplicationBootstrap(): void {
    this.leadership.start(() => this.wake());
    this.poll = setInterval(() => this.wake(), SAFETY_POLL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.poll);
  }

  private wake(): void {
    if (this.leadership.isLeader) this.drainer.wake();
  }

  private async drain(): Promise<void> {
    let moved: number;
    do {
      const { count, lagSeconds } = await traceIngestBatch((traced) =>
        this.log.appendFromOutbox(BATCH, traced),
      );
      this.metrics.ingested.inc(count);
      for (const lag of lagSeconds) this.metrics.ingestLag.observe(lag);
      moved = count;
    } while (moved === BATCH && this.leadership.isLeader);
  }
}
