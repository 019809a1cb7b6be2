import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { NotifierConfig } from '@app/config';
import {
  NotificationRepository,
  ReadStateChangeRepository,
  RetentionWatermarkRepository,
} from '@app/persistence';

const DAY_MS = 24 * 60 * 60 * 1000;
const RUN_EVERY_MS = 60 * 60 * 1000;
/** Soon after start-up too, so that instances restarted more often than hourly still run it. */
const FIRST_RUN_MS = 10_000;
/** Small enough that each DELETE holds its locks only briefly. */
const BATCH = 1000;
/** Read-state changes only serve instances catching up after a reconnect. */
const READ_STATE_KEPT_MS = 60 * 60 * 1000;

/**
 * Deletes notifications older than RETENTION_DAYS, oldest first, in small batches. It only
 * ever removes a prefix of the log and raises the watermark before each delete, so a stream
 * resuming below the watermark knows it may have lost history and is told so with a reset.
 * Runs on every instance; concurrent runs are harmless since both steps are idempotent.
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionJob.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly config: NotifierConfig,
    private readonly log: NotificationRepository,
    private readonly watermark: RetentionWatermarkRepository,
    private readonly readChanges: ReadStateChangeRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(FIRST_RUN_MS);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One pass over the expired prefix of the log; returns how many notifications went. */
  async run(now = new Date()): Promise<number> {
    const storedBefore = new Date(now.getTime() - this.config.retentionDays * DAY_MS);
    let deleted = 0;
    while (!this.stopped) {
      const lastExpired = await this.log.lastExpiredId(storedBefore, BATCH);
      if (lastExpired === undefined) break;
      await this.watermark.raiseTo(lastExpired);
      deleted += await this.log.deleteUpTo(lastExpired);
    }
    if (deleted > 0) this.logger.log(`Retention deleted ${deleted} notifications`);
    await this.readChanges.deleteOlderThan(new Date(now.getTime() - READ_STATE_KEPT_MS));
    return deleted;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.run()
        .catch((error: Error) => this.logger.error(`Retention failed: ${error.message}`))
        .finally(() => {
          if (!this.stopped) this.schedule(RUN_EVERY_MS);
        });
    }, delay);
  }
}
