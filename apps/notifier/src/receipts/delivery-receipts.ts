import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { NotificationRepository } from '@app/persistence';

/**
 * Far below what anyone reads `deliveredAt` for (the push worker waits PUSH_DELAY_MS), and
 * long enough that under load one UPDATE (a commit and its WAL flush) carries many batches.
 */
const COALESCE_MS = 100;

/**
 * Delivery receipts (`notifications.delivered_at`): the hub records the ids it wrote to at
 * least one stream, and every id recorded within COALESCE_MS of the first, or while the
 * previous write was under way, goes to the database in one statement: at most one UPDATE per
 * live batch per instance, fewer when batches come fast (a reconnect storm's thousands of
 * replays), never one per row, and never more than one holding a connection of the pool that
 * the live reads need.
 */
@Injectable()
export class DeliveryReceipts implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryReceipts.name);
  private pending = new Set<bigint>();
  private scheduled?: NodeJS.Timeout;
  /** At most one write at a time: ids recorded meanwhile wait for it and go in the next one. */
  private writing?: Promise<void>;

  constructor(private readonly log: NotificationRepository) {}

  record(ids: readonly bigint[]): void {
    if (ids.length === 0) return;
    for (const id of ids) this.pending.add(id);
    if (!this.writing) this.schedule();
  }

  /** Writes what is pending and waits for the write under way, so none is cut off. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.writing;
    this.flush();
    await this.writing;
  }

  private schedule(): void {
    this.scheduled ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  private flush(): void {
    clearTimeout(this.scheduled);
    this.scheduled = undefined;
    if (this.pending.size === 0) return;
    const ids = [...this.pending];
    this.pending = new Set();
    this.writing = this.log
      .markDelivered(ids)
      .then(
        () => undefined,
        (error: Error) =>
          this.logger.error(`Recording ${ids.length} delivery receipts failed: ${error.message}`),
      )
      .finally(() => {
        this.writing = undefined;
        if (this.pending.size > 0) this.schedule();
      });
  }
}
