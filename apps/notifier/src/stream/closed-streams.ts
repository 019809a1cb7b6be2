import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ChangeFeed, FeedReader } from '@app/change-feed';
import { ClosedStreamRepository } from '@app/persistence';
import { CHANNELS } from '@app/postgres-objects';
import { StreamHub } from './stream-hub';

const SAFETY_POLL_MS = 5_000;

/**
 * The users whose stream is closed for good, held in memory so that a stream request needs
 * no database round trip; reloaded on every change NOTIFY, after every listener reconnect and
 * on a slow poll. A close or reopen made through this instance applies here before it
 * returns, so the admin's next stream request gets 404 or 200 at once; other instances follow
 * through the NOTIFY.
 */
@Injectable()
export class ClosedStreams implements OnApplicationBootstrap {
  private closed = new Set<string>();
  /** Counts changes applied here: a reload that overlapped one may predate it. */
  private changes = 0;
  private readonly reader: FeedReader;

  constructor(
    private readonly repository: ClosedStreamRepository,
    private readonly hub: StreamHub,
    feed: ChangeFeed,
  ) {
    this.reader = feed.reader(CHANNELS.closedStreams, () => this.load(), {
      name: 'Reloading closed streams',
      safetyPollMs: SAFETY_POLL_MS,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.closed = new Set(await this.repository.listUserIds());
  }

  isClosed(userId: string): boolean {
    return this.closed.has(userId);
  }

  /** Closes the user's stream for good: every instance ends it, this one before returning. */
  async close(userId: string, reason: string | null): Promise<void> {
    await this.repository.close(userId, reason);
    this.changes++;
    this.closed.add(userId);
    this.hub.endUser(userId, 'closed-for-good');
  }

  async reopen(userId: string): Promise<void> {
    await this.repository.reopen(userId);
    this.changes++;
    this.closed.delete(userId);
  }

  private async load(): Promise<void> {
    const changes = this.changes;
    const closed = new Set(await this.repository.listUserIds());
    // The list may have been read before a change applied here meanwhile: read it again.
    if (changes !== this.changes) return this.reader.wake();
    this.closed = closed;
    for (const userId of this.closed) this.hub.endUser(userId, 'closed-for-good');
  }
}
