import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ChangeFeed, FeedReader, OutboxWalWakeup } from '@app/change-feed';
import { DATABASE_URL, NotifierConfig, OutboxWakeMode } from '@app/config';
import { AppendedBatch, NotificationRepository, PageLimits } from '@app/persistence';
import { CHANNELS } from '@app/postgres-objects';
import { IngestLeadership } from '../leadership/ingest-leadership';
import { NotifierMetrics } from '../metrics/notifier-metrics';
import { traceIngestBatch } from '../tracing/notifier-tracer';
import { DrainPacing } from './drain-pacing';
import { chooseOutboxWake } from './outbox-wake-mode';
import { OutboxWakeRepository } from './outbox-wake.repository';

/** Rows per drain; its payload bytes are bounded like a live page's (SSE_MAX_BUFFER_BYTES). */
const BATCH_ROWS = 1000;
/** Covers lost wake-ups in the `wal` and `notify` modes. */
const SAFETY_POLL_MS = 2_000;
/** Under load, drains follow each other this far apart (see DrainPacing). */
const DRAIN_GAP_MS = 2;
/**
 * `poll` mode when idle: one drain query per 50 ms on the leader alone (one per database,
 * whatever the number of instances), about 20 cheap queries a second.
 */
const IDLE_POLL_MS = 50;
/**
 * The WAL sender sends a commit once it is flushed, which can be a moment before the committing
 * session has made it visible to others (measured: 4 drains in 10 found nothing). A drain
 * woken by the WAL that found nothing looks again after 1, 2 and 4 ms.
 */
const WAL_RECHECKS = 3;

/**
 * Moves producer rows from the outbox into the log while this instance leads. Wakes on the
 * WAL (or the outbox NOTIFY, or an adaptive poll: OUTBOX_WAKE), when elected, after every
 * reconnect of what wakes it, and on a slow poll that covers lost wake-ups; paced under load
 * so that one drain carries many commits (DrainPacing).
 */
@Injectable()
export class OutboxIngester implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxIngester.name);
  private readonly drainer: FeedReader;
  private readonly walWakeup: OutboxWalWakeup;
  private wakeMode?: OutboxWakeMode;
  private readonly pacing = new DrainPacing(DRAIN_GAP_MS, IDLE_POLL_MS);
  private wokenByWal = false;
  private walRechecks = 0;
  private poll?: NodeJS.Timeout;
  private recheck?: NodeJS.Timeout;
  private stopped = false;
  private readonly batchLimits: PageLimits;
  private readonly appendedListeners: ((batch: AppendedBatch) => void)[] = [];

  constructor(
    private readonly log: NotificationRepository,
    private readonly leadership: IngestLeadership,
    private readonly metrics: NotifierMetrics,
    private readonly config: NotifierConfig,
    private readonly wakeSetup: OutboxWakeRepository,
    @Inject(DATABASE_URL) url: string,
    feed: ChangeFeed,
  ) {
    this.batchLimits = { rows: BATCH_ROWS, bytes: config.sse.maxBufferBytes };
    // Registered in every mode (channels are fixed before boot); only `notify` sends on it.
    this.drainer = feed.reader(CHANNELS.outbox, () => this.drain(), {
      name: 'Draining the outbox',
      safetyPollMs: SAFETY_POLL_MS,
    });
    this.walWakeup = new OutboxWalWakeup(url, {
      onCommit: () => this.wakeFromWal(),
      onStreaming: () => this.wake(),
    });
  }

  /** Each batch this instance appends, as soon as it is committed (the hub's fast path). */
  onAppended(listener: (batch: AppendedBatch) => void): void {
    this.appendedListeners.push(listener);
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
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.poll);
    clearTimeout(this.recheck);
    await this.walWakeup.stop();
  }

  /** The leadership outlives this ingester at shutdown (Nest stops dependents first). */
  private elected(): void {
    if (this.stopped) return;
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
    const wait = this.pacing.waitBefore(performance.now());
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (!this.leadership.isLeader || this.stopped) return;
    this.pacing.started(performance.now());
    const wokenByWal = this.wokenByWal;
    this.wokenByWal = false;
    let total = 0;
    try {
      total = await this.moveOutbox();
    } finally {
      this.schedulePoll(this.pacing.finished(total));
    }
    if (wokenByWal && total === 0 && this.walRechecks < WAL_RECHECKS) {
      clearTimeout(this.recheck);
      this.recheck = setTimeout(() => {
        this.wokenByWal = true;
        this.wake();
      }, 2 ** this.walRechecks++);
    }
  }

  /** Drains until the outbox is empty (or the lead is lost); returns how many rows it took. */
  private async moveOutbox(): Promise<number> {
    let batch: AppendedBatch;
    let total = 0;
    do {
      batch = await traceIngestBatch(() => this.log.appendFromOutbox(this.batchLimits));
      this.metrics.ingested.inc(batch.rows.length);
      // Taken but not appended: their (user, dedupe_key) was already in the log.
      this.metrics.deduplicated.inc(batch.taken - batch.rows.length);
      for (const lag of batch.lagSeconds) this.metrics.ingestLag.observe(lag);
      for (const listener of this.appendedListeners) listener(batch);
      total += batch.taken;
    } while (batch.more && this.leadership.isLeader);
    return total;
  }

  private schedulePoll(delayMs: number): void {
    if (this.wakeMode !== 'poll' || this.stopped) return;
    clearTimeout(this.poll);
    this.poll = setTimeout(() => this.wake(), delayMs);
  }
}
