import { Injectable } from '@nestjs/common';
import { NotifierConfig } from '@app/config';
import { NotificationRepository, PageLimits } from '@app/persistence';
import { toLogEvent } from './notification-frame';
import type { LogPage, ReplaySource } from './stream-connection';

/** Replay pages are a quarter of a stream's buffer limit, so a replaying stream holds little more. */
const REPLAY_PAGE_SHARE = 4;
const REPLAY_PAGE_ROWS = 500;

/** Reads a replaying stream's next page of its user's log, encoded for the wire. */
@Injectable()
export class LogReplay implements ReplaySource {
  private readonly limits: PageLimits;

  constructor(
    private readonly log: NotificationRepository,
    config: NotifierConfig,
  ) {
    this.limits = {
      rows: REPLAY_PAGE_ROWS,
      bytes: Math.ceil(config.sse.maxBufferBytes / REPLAY_PAGE_SHARE),
    };
  }

  async pageAfter(userId: string, after: bigint): Promise<LogPage> {
    const page = await this.log.replayPage(userId, after, this.limits);
    const { rows, complete, deletedUpTo, newestId } = page;
    return { events: rows.map(toLogEvent), complete, deletedUpTo, newestId };
  }
}
