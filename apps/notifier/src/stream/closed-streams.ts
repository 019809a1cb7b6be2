import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ChangeFeed } from '@app/change-feed';
import { ClosedStreamRepository } from '@app/persistence';
import { CHANNELS } from '@app/postgres-objects';
import { SingleFlight } from '@app/single-flight';
import { StreamHub } from './stream-hub';

/**
 * The users whose stream is closed for good, held in memory so that a stream request needs
 * no database round trip; reloaded on every change NOTIFY and after every listener reconnect.
 * A close or reopen made through this instance applies here before it returns, so the admin's
 * next stream request gets 404 or 200 at once; other instances follow through the NOTIFY.
 */
@Injectable()
export class ClosedStreams implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClosedStreams.name);
  private closed = new Set<string>();
  /** Counts changes applied here: a reload that overlapped one may predate it. */
  private changes = 0;
  private readonly loader = new SingleFlight(
    () => this.load(),
    (error) => this.logger.error(`Reloading closed streams failed: ${error.message}`),
  );

  constructor(
    private readonly repository: ClosedStreamRepository,
    private readonly hub: StreamHub,
    feed: ChangeFeed,
  ) {
    feed.on(CHANNELS.closedStreams, () => this.loader.wake());
    feed.onConnected(() => this.loader.wake());
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
    if (changes !== this.changes) return this.loader.wake();
    this.closed = closed;
    for (const userId of this.closed) this.hub.endUser(userId, 'closed-for-good');
  }
}
