import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ChangeFeed } from '@app/change-feed';
import { ReadStateChange, ReadStateChangeRepository } from '@app/persistence';
import { CHANNELS } from '@app/postgres-objects';
import { readFrame } from './notification-frame';
import { StreamHub } from './stream-hub';

const PAGE = 500;
const SAFETY_POLL_MS = 5_000;

/**
 * Read-state changes, recorded as rows by the request that made them, become `event: read`
 * frames on the user's open streams on every instance. The NOTIFY is only a wake-up: this
 * instance reads the rows past its cursor, also after a listener reconnect and on a slow poll.
 */
@Injectable()
export class ReadStateRelay implements OnApplicationBootstrap {
  private cursor?: bigint;

  constructor(
    private readonly hub: StreamHub,
    private readonly changes: ReadStateChangeRepository,
    feed: ChangeFeed,
  ) {
    feed.reader(CHANNELS.readState, () => this.relay(), {
      name: 'Reading read-state changes',
      safetyPollMs: SAFETY_POLL_MS,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.cursor = await this.changes.latestId();
  }

  private async relay(): Promise<void> {
    let changes: ReadStateChange[];
    do {
      if (this.cursor === undefined) return;
      changes = await this.changes.after(this.cursor, PAGE);
      for (const change of changes) {
        this.hub.sendToUser(change.userId, readFrame(toReadEvent(change)));
        this.cursor = BigInt(change.id);
      }
    } while (changes.length === PAGE);
  }
}

function toReadEvent({ ids, upTo }: ReadStateChange): { ids: string[] } | { upTo: string } {
  return upTo !== null ? { upTo } : { ids: ids ?? [] };
}
