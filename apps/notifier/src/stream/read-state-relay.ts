import { Injectable, Logger } from '@nestjs/common';
import { ChangeFeed } from '@app/change-feed';
import { READ_CHANNEL } from '@app/persistence';
import { encodeEvent } from '@app/sse';
import { StreamHub } from './stream-hub';

interface ReadChange {
  userId: string;
  ids?: string[];
  upTo?: string;
}

/**
 * Read-state changes, announced by the updating transaction on every instance, become
 * `event: read` frames on the user's open streams. They carry no `id:`, so they never move
 * a client's resume point.
 */
@Injectable()
export class ReadStateRelay {
  private readonly logger = new Logger(ReadStateRelay.name);

  constructor(
    private readonly hub: StreamHub,
    feed: ChangeFeed,
  ) {
    feed.on(READ_CHANNEL, (payload) => this.relay(payload));
  }

  private relay(payload: string | undefined): void {
    const change = parseReadChange(payload);
    if (!change) {
      this.logger.warn('Ignored a malformed read-state notification');
      return;
    }
    const data = change.upTo !== undefined ? { upTo: change.upTo } : { ids: change.ids };
    this.hub.sendToUser(change.userId, encodeEvent({ event: 'read', data: JSON.stringify(data) }));
  }
}

function parseReadChange(payload: string | undefined): ReadChange | undefined {
  try {
    const change = JSON.parse(payload ?? '') as Partial<ReadChange>;
    if (typeof change.userId !== 'string') return undefined;
    if (Array.isArray(change.ids) || typeof change.upTo === 'string') return change as ReadChange;
  } catch {
    return undefined;
  }
  return undefined;
}
