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
/** A statement running this long no longer holds the next back (a slow plan, a stuck connection). */
const PATIENCE_MS = 50;
/** Replay statements at once, at most: a share of the pool, leaving the rest to the live path. */
const READS_IN_FLIGHT = 4;

interface Waiting extends ReplayRequest {
  resolve(page: LogPage): void;
  reject(error: Error): void;
}

/**
 * Reads replaying streams' next pages of their users' logs, encoded for the wire, one statement
 * at a time: what streams ask within one turn of the event loop, or while a statement runs,
 * goes in the next, one page per stream. A lone resume is read at once; a reconnect storm,
 * whose streams arrive a few per turn, shares statements instead of running one per arrival.
 * Only a statement that runs past PATIENCE_MS lets the next start beside it.
 */
@Injectable()
export class LogReplay implements ReplaySource {
  private readonly limits: PageLimits;
  private waiting: Waiting[] = [];
  private running = 0;
  private lastStartedAt = 0;
  private patience?: NodeJS.Timeout;
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
    if (this.waiting.length === 0 || this.running >= READS_IN_FLIGHT) return;
    const ran = performance.now() - this.lastStartedAt;
    if (this.running > 0 && ran < PATIENCE_MS) return this.flushAfter(PATIENCE_MS - ran);
    this.read(this.waiting.splice(0, STREAMS_PER_READ));
  }

  private flushAfter(delayMs: number): void {
    this.patience ??= setTimeout(() => {
      this.patience = undefined;
      this.flush();
    }, delayMs).unref();
  }

  private read(batch: Waiting[]): void {
    this.running++;
    this.lastStartedAt = performance.now();
    this.log
      .replayPages(batch, this.limits)
      .then((pages) => batch.forEach((request, index) => request.resolve(toLogPage(pages[index]))))
      // Also what making a page throws: a request already resolved ignores the rejection.
      .catch((error: Error) => batch.forEach((request) => request.reject(error)))
      .finally(() => {
        this.running--;
        this.flush();
      });
  }
}

function toLogPage({ rows, complete, deletedUpTo, newestId }: ReplayPage): LogPage {
  return { events: rows.map(toLogEvent), complete, deletedUpTo, newestId };
}
