import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ChangeFeed } from '@app/change-feed';
import { ClosedStreamRepository } from '@app/persistence';
import { CHANNELS } from '@app/postgres-objects';
import { StreamHub } from './stream-hub';

const SAFETY_POLL_MS = 5_000;

/**
 * The users whose stream is closed for good, held in memory so that a stream request needs
 * no database round trip; reloaded on every change NOTIFY, after every listener reconnect and on a slow poll.
 */
@Injectable()
export class ClosedStreams implements OnApplicationBootstrap {
  private closed = new Set<string>();

  constructor(
    private readonly repository: ClosedStreamRepository,
    private readonly hub: StreamHub,
    feed: ChangeFeed,
  ) {
    feed.reader(CHANNELS.closedStreams, () => this.load(), {
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

  private async load(): Promise<void> {
    this.closed = new Set(await this.repository.listUserIds());
    for (const userId of this.closed) this.hub.endUser(userId, 'closed-for-good');
  }
}
