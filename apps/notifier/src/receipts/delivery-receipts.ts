import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { NotificationRepository } from '@app/persistence';

/**
 * Delivery receipts (`notifications.delivered_at`): the hub records the ids it wrote to at
 * least one stream, and every id recorded in the same tick of the event loop goes to the
 * database in one statement, so a live batch costs one UPDATE per instance, never one per row.
 */
@Injectable()
export class DeliveryReceipts implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryReceipts.name);
  private pending = new Set<bigint>();
  private scheduled?: NodeJS.Immediate;
  private readonly writing = new Set<Promise<void>>();

  constructor(private readonly log: NotificationRepository) {}

  record(ids: readonly bigint[]): void {
    if (ids.length === 0) return;
    for (const id of ids) this.pending.add(id);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Writes what is pending and waits for every write under way, so none is cut off. */
  async beforeApplicationShutdown(): Promise<void> {
    clearImmediate(this.scheduled);
    this.flush();
    await Promise.all(this.writing);
  }

  private flush(): void {
    this.scheduled = undefined;
    if (this.pending.size === 0) return;
    const ids = [...this.pending];
    this.pending = new Set();
    const write = this.log
      .markDelivered(ids)
      .then(
        () => undefined,
        (error: Error) =>
          this.logger.error(`Recording ${ids.length} delivery receipts failed: ${error.message}`),
      )
      .finally(() => this.writing.delete(write));
    this.writing.add(write);
  }
}
