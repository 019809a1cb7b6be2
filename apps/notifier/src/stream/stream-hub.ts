import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Response } from 'express';
import { ChangeFeed, SingleFlight } from '@app/change-feed';
import { NotifierConfig } from '@app/config';
import { LogRow, NotificationRepository } from '@app/persistence';
import { encodeComment, encodeEvent, encodeRetry, SSE_HEADERS } from '@app/sse';
import { NotifierMetrics } from '../metrics/notifier-metrics';
import { DeliveryReceipts } from '../receipts/delivery-receipts';
import { toLogEvent } from './notification-frame';
import { EndReason, StreamConnection } from './stream-connection';

export const APPENDED_CHANNEL = 'notifications_appended';
const LIVE_PAGE = 1000;
const REPLAY_PAGE = 500;
const SAFETY_POLL_MS = 5_000;
const HEARTBEAT = encodeComment('ping');

/** Tells a resuming client that retention deleted the history before `oldestId`. */
const resetFrame = (oldestId: bigint) =>
  encodeEvent({
    event: 'reset',
    data: JSON.stringify({ reason: 'history-truncated', oldestId: oldestId.toString() }),
  });

/**
 * Every open stream of this instance, by user. Reads the log once per batch for all of them
 * (never per client) and writes each row, encoded once, to its user's streams.
 */
@Injectable()
export class StreamHub implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StreamHub.name);
  private readonly byUser = new Map<string, Set<StreamConnection>>();
  private connectionCount = 0;
  private nextConnectionId = 1;
  /** Every log row up to here has been handed to the streams open at the time. */
  private dispatchedUpTo?: bigint;
  private readonly reader = new SingleFlight(
    () => this.readLog(),
    (error) => this.logger.error(`Reading the log failed: ${error.message}`),
  );
  private shuttingDown = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly config: NotifierConfig,
    private readonly log: NotificationRepository,
    private readonly metrics: NotifierMetrics,
    private readonly receipts: DeliveryReceipts,
    feed: ChangeFeed,
  ) {
    feed.on(APPENDED_CHANNEL, (newestId) => this.onAppended(newestId));
    feed.onConnected(() => this.reader.wake());
  }

  async onApplicationBootstrap(): Promise<void> {
    this.dispatchedUpTo = await this.log.latestId();
    this.timers = [
      setInterval(() => this.heartbeat(), this.config.sse.heartbeatMs),
      setInterval(() => this.reader.wake(), SAFETY_POLL_MS),
    ];
  }

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const stream of this.streams()) stream.end('shutdown');
  }

  get openConnections(): number {
    return this.connectionCount;
  }

  /** Opens the stream on an authorized request: `retry:` first, then replay, then live. */
  open(userId: string, resumeFrom: bigint | undefined, response: Response): StreamConnection {
    response.writeHead(200, SSE_HEADERS);
    response.socket?.setNoDelay(true);
    response.write(encodeRetry(this.config.sse.retryMs));

    const stream = new StreamConnection(
      this.nextConnectionId++,
      userId,
      response,
      this.config.sse.maxBufferBytes,
      resumeFrom ?? this.dispatchedUpTo ?? 0n,
      resumeFrom !== undefined,
    );
    if (this.shuttingDown || this.dispatchedUpTo === undefined) {
      stream.end('shutdown');
      return stream;
    }
    this.add(stream);
    if (resumeFrom !== undefined) {
      this.catchUp(stream, this.replay(stream));
    }
    return stream;
  }

  /** Ends every open stream of a user on this instance. */
  endUser(userId: string, reason: EndReason): void {
    for (const stream of this.byUser.get(userId) ?? []) stream.end(reason);
  }

  /** Writes a frame that is not a notification (no `id:`) to every open stream of a user. */
  sendToUser(userId: string, frame: string): void {
    const chunk = Buffer.from(frame);
    for (const stream of this.byUser.get(userId) ?? []) stream.write(chunk);
  }

  busiestUsers(limit: number): { userId: string; connections: number }[] {
    return [...this.byUser]
      .map(([userId, streams]) => ({ userId, connections: streams.size }))
      .sort((a, b) => b.connections - a.connections)
      .slice(0, limit);
  }

  connectionsOf(userId: string): readonly StreamConnection[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  private onAppended(newestId: string | undefined): void {
    const idle = this.connectionCount === 0 && !this.reader.busy;
    if (idle && newestId !== undefined && this.dispatchedUpTo !== undefined) {
      // Nobody to deliver to: just move the live start point, without reading rows.
      const newest = BigInt(newestId);
      if (newest > this.dispatchedUpTo) this.dispatchedUpTo = newest;
      return;
    }
    this.reader.wake();
  }

  /** Reads the log past `dispatchedUpTo` until it is drained. */
  private async readLog(): Promise<void> {
    if (this.dispatchedUpTo === undefined) return;
    let rows: LogRow[];
    do {
      rows = await this.log.findAfter(this.dispatchedUpTo, LIVE_PAGE);
      const written: bigint[] = [];
      for (const row of rows) if (this.dispatch(row)) written.push(BigInt(row.id));
      this.receipts.record(written);
    } while (rows.length === LIVE_PAGE);
  }

  /** Returns whether some stream was written the row. */
  private dispatch(row: LogRow): boolean {
    const streams = this.byUser.get(row.userId);
    let delivered = 0;
    if (streams) {
      const event = toLogEvent(row);
      for (const stream of streams) {
        const delivery = stream.deliver(event);
        if (delivery === 'written') delivered++;
        if (delivery === 'fell-behind') this.catchUp(stream, this.drainThenReplay(stream));
      }
      this.metrics.delivered.inc(delivered);
      this.metrics.deliveryLatency.observe((Date.now() - Date.parse(row.createdAt)) / 1000);
    }
    this.dispatchedUpTo = BigInt(row.id);
    return delivered > 0;
  }

  /** A stream that fell behind replays from the log once it drains; a stalled one is ended. */
  private async drainThenReplay(stream: StreamConnection): Promise<void> {
    if (await stream.drained(this.config.sse.heartbeatMs)) return this.replay(stream);
    stream.end('slow-consumer');
  }

  private catchUp(stream: StreamConnection, replay: Promise<void>): void {
    replay.catch((error: Error) => {
      this.logger.warn(`Replay for stream ${stream.id} failed, ending it: ${error.message}`);
      stream.end('error');
    });
  }

  private async replay(stream: StreamConnection): Promise<void> {
    for (;;) {
      const after = stream.cursor;
      const { rows, deletedUpTo } = await this.log.replayPage(stream.userId, after, REPLAY_PAGE);
      if (!(await this.skipTruncated(stream, after, deletedUpTo))) return;
      const written: bigint[] = [];
      try {
        for (const row of rows) {
          if (BigInt(row.id) <= stream.cursor) continue;
          if (!(await stream.replay(toLogEvent(row)))) return;
          written.push(BigInt(row.id));
          this.metrics.delivered.inc();
          this.metrics.replayed.inc();
        }
      } finally {
        this.receipts.record(written);
      }
      if (rows.length < REPLAY_PAGE && stream.finishReplay()) return;
    }
  }

  /** Retention deleted rows after the resume point: say so with `event: reset`, then go on. */
  private async skipTruncated(
    stream: StreamConnection,
    after: bigint,
    deletedUpTo: bigint,
  ): Promise<boolean> {
    if (deletedUpTo <= after) return true;
    return stream.skipTruncated(deletedUpTo, resetFrame(deletedUpTo + 1n));
  }

  private add(stream: StreamConnection): void {
    let streams = this.byUser.get(stream.userId);
    if (!streams) {
      streams = new Set();
      this.byUser.set(stream.userId, streams);
    }
    for (const oldest of streams) {
      if (streams.size < this.config.sse.maxConnectionsPerUser) break;
      oldest.end('replaced');
      this.remove(oldest);
    }
    streams.add(stream);
    this.connectionCount++;
    this.metrics.openConnections.inc();
    stream.onEnd((reason) => {
      if (reason === 'slow-consumer') this.metrics.slowConsumerDisconnects.inc();
      this.remove(stream);
    });
  }

  private remove(stream: StreamConnection): void {
    const streams = this.byUser.get(stream.userId);
    if (!streams?.delete(stream)) return;
    this.connectionCount--;
    this.metrics.openConnections.dec();
    if (streams.size === 0) this.byUser.delete(stream.userId);
  }

  private heartbeat(): void {
    for (const stream of this.streams()) stream.write(HEARTBEAT);
  }

  private *streams(): Iterable<StreamConnection> {
    for (const streams of this.byUser.values()) yield* streams;
  }
}
