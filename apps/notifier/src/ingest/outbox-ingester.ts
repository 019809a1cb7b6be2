import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ChangeFeed, OutboxWalWakeup } from '@app/change-feed';
import { DATABASE_URL, NotifierConfig, OutboxWakeMode } from '@app/config';
import { NotificationRepository } from '@app/persistence';
import { CHANNELS } from '@app/postgres-objects';
import { SingleFlight } from '@app/single-flight';
import { NotifierMetrics } from '../metrics/notifier-metrics';
import { traceIngestBatch } from '../tracing/notifier-tracer';
import { IngestLeadership } from './ingest-leadership';
import { chooseOutboxWake } from './outbox-wake-mode';
import { OutboxWakeRepository } from './outbox-wake.repository';

const BATCH = 1000;
/** Covers lost wake-ups in the `wal` and `notify` modes. */
const SAFETY_POLL_MS = 2_000;
/**
 * `poll` mode: one drain query per 50 ms on the leader alone (one per database, whatever the
 * number of instances), about 20 cheap queries a second, for about 25 ms of added latency.
 */
const POLL_MS = 50;
/**
 * The WAL sender sends a commit once it is flushed, which can be a moment before the committing
 * session has made it visible to others (measured: 4 drains in 10 found nothing). A drain
 * woken by the WAL that found nothing looks again after 1, 2 and 4 ms.
 */
const WAL_RECHECKS = 3;

/**
 * Moves producer rows from the outbox into the log while this instance leads. Wakes on the
 * WAL (or the outbox NOTIFY, or a short poll: OUTBOX_WAKE), when elected, after every
 * reconnect of what wakes it, and on a slow poll that covers lost wake-ups.
 */
@Injectable()
export class OutboxIngester implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxIngester.name);
  private readonly drainer = new SingleFlight(
    () => this.drain(),
    (error) => this.logger.error(`Draining the outbox failed: ${error.message}`),
  );
  private readonly walWakeup: OutboxWalWakeup;
  private wakeMode?: OutboxWakeMode;
  private wokenByWal = false;
  private walRechecks = 0;
  private poll?: NodeJS.Timeout;
  private recheck?: NodeJS.Timeout;

  constructor(
    private readonly log: NotificationRepository,
    private readonly leadership: IngestLeadership,
    private readonly metrics: NotifierMetrics,
    private readonly config: NotifierConfig,
    private readonly wakeSetup: OutboxWakeRepository,
    @Inject(DATABASE_URL) url: string,
    feed: ChangeFeed,
  ) {
    // Registered in every mode (channels are fixed before boot); only `notify` sends on it.
    feed.on(CHANNELS.outbox, () => this.wake());
    feed.onConnected(() => this.wake());
    this.walWakeup = new OutboxWalWakeup(url, {
      onCommit: () => this.wakeFromWal(),
      onStreaming: () => this.wake(),
    });
  }

  get isLeader(): boolean {
    return this.leadership.isLeader;
  }

  /** The mode this instance runs in, once started: OUTBOX_WAKE, or its fallback. */
  get mode(): OutboxWakeMode | undefined {
    return this.wakeMode;
  }

  async onApplicationBootstrap(): Promise<void> {
    const choice = chooseOutboxWake(this.config.outboxWake, await this.wakeSetup.walSupport());
    if (choice.warning) this.logger.warn(choice.warning);
    await this.wakeSetup.useMode(choice.mode);
    this.wakeMode = choice.mode;
    this.logger.log(`Outbox wake-up: ${choice.mode}`);
    this.leadership.start(
      () => this.elected(),
      () => this.deposed(),
    );
    this.poll = setInterval(() => this.wake(), choice.mode === 'poll' ? POLL_MS : SAFETY_POLL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.poll);
    clearTimeout(this.recheck);
    await this.walWakeup.stop();
  }

  private elected(): void {
    if (this.wakeMode === 'wal') this.walWakeup.start();
    this.wake();
  }

  /** The new leader opens its own slot; this one goes with its connection. */
  private deposed(): void {
    this.walWakeup
      .stop()
      .catch((error: Error) => this.logger.warn(`Stopping the WAL wake-up: ${error.message}`));
  }

  private wakeFromWal(): void {
    this.walRechecks = 0;
    this.wokenByWal = true;
    this.wake();
  }

  private wake(): void {
    if (this.leadership.isLeader) this.drainer.wake();
  }

  private async drain(): Promise<void> {
    const wokenByWal = this.wokenByWal;
    this.wokenByWal = false;
    /** Outbox rows taken, dropped duplicates included: a full batch means more may wait. */
    let taken: number;
    let total = 0;
    do {
      const { count, lagSeconds, deduplicated } = await traceIngestBatch((traced) =>
        this.log.appendFromOutbox(BATCH, traced),
      );
      this.metrics.ingested.inc(count);
      this.metrics.deduplicated.inc(deduplicated);
      for (const lag of lagSeconds) this.metrics.ingestLag.observe(lag);
      taken = count + deduplicated;
      total += taken;
    } while (taken === BATCH && this.leadership.isLeader);
    if (wokenByWal && total === 0 && this.walRechecks < WAL_RECHECKS) {
      clearTimeout(this.recheck);
      this.recheck = setTimeout(() => {
        this.wokenByWal = true;
        this.wake();
      }, 2 ** this.walRechecks++);
    }
  }
}
