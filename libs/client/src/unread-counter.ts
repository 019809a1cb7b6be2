import { isAfter } from './event-id.js';
import type { Notification, ReadChange } from './notification.js';

/**
 * The number of unread notifications, kept exact from the ids the client knows: the unread
 * ones loaded at start plus those that arrive, minus those read. The server announces only
 * ids it actually changed, so an unknown read id is one of the unread ones too old to load.
 */
export class UnreadCounter {
  private readonly unread = new Set<string>();
  /** Ids known to be read: a read announced twice (here, then by the stream) counts once. */
  private readonly read = new Set<string>();
  /** Unread notifications older than the loaded ones (only when there were too many to load). */
  private older = 0;

  reset(unreadIds: string[], total: number): void {
    this.unread.clear();
    this.read.clear();
    unreadIds.forEach((id) => this.unread.add(id));
    this.older = Math.max(0, total - unreadIds.length);
  }

  get count(): number {
    return this.unread.size + this.older;
  }

  isUnread(id: string): boolean {
    return this.unread.has(id);
  }

  received(notification: Notification): void {
    if (notification.readAt === null) this.unread.add(notification.id);
  }

  markRead(change: ReadChange): void {
    if ('upTo' in change) {
      for (const id of this.unread) if (!isAfter(id, change.upTo)) this.unread.delete(id);
      this.older = 0;
      return;
    }
    for (const id of change.ids) {
      if (this.read.has(id)) continue;
      this.read.add(id);
      if (!this.unread.delete(id)) this.older = Math.max(0, this.older - 1);
    }
  }
}
