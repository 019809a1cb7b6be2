import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ChangeFeed } from '@app/change-feed';
import { ClosedStreamRepository } from '@app/persistence';
import { CHANNELS } from '@app/postgres-objects';
import { SingleFlight } from '@app/single-flight';
import { StreamHub } from './stream-hub';

/**
 * The users whose stream is closed for good, held in memory so that a stream request needs
 * no database round trip; reloaded on every change NOTIFY and after every listener reconnect.
 */
@Injectable()
export class ClosedStreams implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClosedStreams.name);
  private closed = new Set<string>();
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

  private async load(): Promise<void> {
    this.closed = new Set(await this.repository.listUserIds());
    for (const userId of this.closed) this.hub.endUser(userId, 'closed-for-good');
  }
}
