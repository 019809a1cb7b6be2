import { Injectable } from '@nestjs/common';
import { NotifierConfig } from '@app/config';
import { NotificationRepository, PageLimits, ReplayPage, ReplayRequest } from '@app/persistence';
import { toLogEvent } from './notification-frame';
import type { LogPage, ReplaySource } from './stream-connection';

/** Replay pages are a quarter of a stream's buffer limit, so a replaying stream holds little more. */
const REPLAY_PAGE_SHARE = 4;
const REPLAY_PAGE_ROWS = 500;
/** Streams whose pages one statement reads: a page each, as while they replay one by one. */
const STREAMS_PER_READ = 100;

interface Waiting extends ReplayRequest {
  resolve(page: LogPage): void;
  reject(error: Error): void;
}

/**
 * Reads replaying streams' next pages of their users' logs, encoded for the wire, one statement
 * at a time: what streams ask within one turn of the event loop, or while a statement runs,
 * goes in the next, one page per stream. A lone resume is read at once; a reconnect storm,
 * whose streams arrive a few per turn, shares statements instead of running one per arrival.
 */
@Injectable()
export class LogReplay implements ReplaySource {
  private readonly limits: PageLimits;
  private waiting: Waiting[] = [];
  private reading = false;
  private flushScheduled = false;

  constructor(
    private readonly log: NotificationRepository,
    config: NotifierConfig,
  ) {
    this.limits = {
      rows: REPLAY_PAGE_ROWS,
      bytes: Math.ceil(config.sse.maxBufferBytes / REPLAY_PAGE_SHARE),
    };
  }

  pageAfter(userId: string, afterId: bigint): Promise<LogPage> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ userId, afterId, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.reading || this.waiting.length === 0) return;
    this.read(this.waiting.splice(0, STREAMS_PER_READ));
  }

  private read(batch: Waiting[]): void {
    this.reading = true;
    this.log
      .replayPages(batch, this.limits)
      .then((pages) => batch.forEach((request, index) => request.resolve(toLogPage(pages[index]))))
      // Also what making a page throws: a request already resolved ignores the rejection.
      .catch((error: Error) => batch.forEach((request) => request.reject(error)))
      .finally(() => {
        this.reading = false;
        this.flush();
      });
  }
}

function toLogPage({ rows, complete, deletedUpTo, newestId }: ReplayPage): LogPage {
  return { events: rows.map(toLogEvent), complete, deletedUpTo, newestId };
}
