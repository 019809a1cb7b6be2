import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ChangeFeed, FeedReader } from '@app/change-feed';
import { NotifierConfig } from '@app/config';
import { AppendedBatch, LogRow, NotificationRepository, PageLimits } from '@app/persistence';
import { CHANNELS } from '@app/postgres-objects';
import { isLogId } from '@app/sse';
import { OutboxIngester } from '../ingest/outbox-ingester';
import { NotifierMetrics } from '../metrics/notifier-metrics';
import { DeliveryReceipts } from '../receipts/delivery-receipts';
import { traceDeliveryBatch } from '../tracing/notifier-tracer';
import { HeartbeatWheel } from './heartbeat-wheel';
import { LogReplay } from './log-replay';
import { LogEvent, toLogEvent } from './notification-frame';
import { EndReason, StreamConnection, StreamObserver, StreamSettings } from './stream-connection';
import type { StreamSink } from './stream-sink';

const SAFETY_POLL_MS = 5_000;
/** How long a stream that was ended may take to read its last bytes before its socket goes. */
const END_GRACE_MS = 2_000;
/** A heartbeat interval is cut in this many ticks of the wheel: a beat is late by one at most. */
const TICKS_PER_HEARTBEAT = 128;
const MIN_TICK_MS = 10;

/**
 * Every open stream of this instance, by user. Reads the log once per batch for all of them
 * (never per client) and hands each row, encoded once, to its user's streams.
 */
@Injectable()
export class StreamHub
  implements OnApplicationBootstrap, BeforeApplicationShutdown, StreamObserver
{
  private readonly logger = new Logger(StreamHub.name);
  private readonly byUser = new Map<string, Set<StreamConnection>>();
  private connectionCount = 0;
  private nextConnectionId = 1;
  /** Every log row up to here has been handed to the streams open at the time. */
  private dispatchedUpTo?: bigint;
  private readonly reader: FeedReader;
  private readonly settings: StreamSettings;
  private readonly heartbeats: HeartbeatWheel;
  /** The whole instance reads one live page at a time: bounded like one stream's buffer. */
  private readonly livePage: PageLimits;
  private draining = false;
  private whenEmpty?: () => void;

  constructor(
    private readonly config: NotifierConfig,
    private readonly log: NotificationRepository,
    private readonly replay: LogReplay,
    private readonly metrics: NotifierMetrics,
    private readonly receipts: DeliveryReceipts,
    feed: ChangeFeed,
    ingester: OutboxIngester,
  ) {
    const { maxBufferBytes, heartbeatMs } = config.sse;
    this.settings = { maxBufferBytes, heartbeatMs, endGraceMs: END_GRACE_MS };
    const tickMs = Math.max(MIN_TICK_MS, Math.round(heartbeatMs / TICKS_PER_HEARTBEAT));
    this.heartbeats = new HeartbeatWheel(tickMs, heartbeatMs);
    this.livePage = { rows: 1000, bytes: maxBufferBytes };
    this.reader = feed.reader(CHANNELS.appended, () => this.readLog(), {
      name: 'Reading the log',
      safetyPollMs: SAFETY_POLL_MS,
      isNews: (newest) => this.isNews(newest),
    });
    ingester.onAppended((batch) => this.appended(batch));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.dispatchedUpTo = await this.log.latestId();
  }

  /**
   * Ends the open streams spread over SHUTDOWN_DRAIN_MS, so that their clients reconnect to
   * other instances without a stampede; new streams are turned away from the first moment.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    const drainMs = this.config.shutdownDrainMs;
    const streams = [...this.streams()];
    const timers = streams.map((stream) =>
      setTimeout(() => stream.end('shutdown'), Math.random() * drainMs),
    );
    if (this.connectionCount > 0) {
      await new Promise<void>((resolve) => {
        const deadline = setTimeout(resolve, drainMs);
        this.whenEmpty = () => {
          clearTimeout(deadline);
          resolve();
        };
      });
    }
    for (const timer of timers) clearTimeout(timer);
    for (const stream of this.streams()) stream.end('shutdown');
  }

  /** False once shutdown began: a stream request is then told to come back later. */
  get accepting(): boolean {
    return !this.draining && this.dispatchedUpTo !== undefined;
  }

  get openConnections(): number {
    return this.connectionCount;
  }

  /**
   * Opens a stream on a response whose head is written: replaying from `resumeFrom` when set,
   * else live from now. Undefined when not accepting.
   */
  open(
    userId: string,
    resumeFrom: bigint | undefined,
    expiresAt: number,
    sink: StreamSink,
  ): StreamConnection | undefined {
    if (!this.accepting) return undefined;
    const stream = new StreamConnection(
      {
        id: this.nextConnectionId++,
        userId,
        expiresAt,
        cursor: resumeFrom ?? this.dispatchedUpTo!,
        replay: resumeFrom !== undefined,
        liveFrom: this.dispatchedUpTo!,
      },
      sink,
      this.settings,
      this.replay,
      this,
      this.heartbeats,
    );
    if (!stream.ended) this.add(stream);
    return stream;
  }

  /** Ends every open stream of a user on this instance. */
  endUser(userId: string, reason: EndReason): void {
    for (const stream of this.byUser.get(userId) ?? []) stream.end(reason);
  }

  /** Writes a frame that is not a notification (no `id:`) to every open stream of a user. */
  sendToUser(userId: string, frame: Buffer): void {
    for (const stream of this.byUser.get(userId) ?? []) stream.notify(frame);
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

  sent(_stream: StreamConnection, events: readonly LogEvent[], replayed: boolean): void {
    if (events.length === 0) return;
    this.receipts.record(events.map((event) => event.id));
    this.metrics.delivered.inc(events.length);
    if (replayed) this.metrics.replayed.inc(events.length);
  }

  ended(stream: StreamConnection, reason: EndReason): void {
    if (reason === 'slow-consumer') this.metrics.slowConsumerDisconnects.inc();
    const streams = this.byUser.get(stream.userId);
    if (!streams?.delete(stream)) return;
    this.connectionCount--;
    this.metrics.openConnections.dec();
    if (streams.size === 0) this.byUser.delete(stream.userId);
    if (this.connectionCount === 0) this.whenEmpty?.();
  }

  /**
   * A batch this instance's ingester appended, handed over without reading it back: when it
   * starts right where the streams are, it is dispatched at once; when a read (woken by the
   * drain's own NOTIFY, which can arrive first) already passed it, it is done; otherwise
   * (another instance appended in between, or a read is behind) the log is read.
   */
  private appended({ previousId, newest, rows }: AppendedBatch): void {
    if (this.dispatchedUpTo === undefined || this.dispatchedUpTo >= newest) return;
    if (this.dispatchedUpTo !== previousId) return this.reader.wake();
    this.dispatchPage(rows);
    this.dispatchedUpTo = newest;
  }

  /** A NOTIFY's payload names the newest id appended: a hint, never data (forged, it costs a read). */
  private isNews(newest: string | undefined): boolean {
    if (this.dispatchedUpTo === undefined || !isLogId(newest)) return true;
    return BigInt(newest) > this.dispatchedUpTo;
  }

  /** Reads the log past `dispatchedUpTo` until it is drained. */
  private async readLog(): Promise<void> {
    while (this.dispatchedUpTo !== undefined) {
      if (this.connectionCount === 0 && (await this.skipToNewest())) return;
      const page = await this.log.pageAfter(this.dispatchedUpTo, this.livePage);
      this.dispatchPage(page.rows);
      if (page.complete) return;
    }
  }

  private dispatchPage(rows: readonly LogRow[]): void {
    if (rows.length === 0) return;
    const startedAt = performance.now();
    traceDeliveryBatch(rows, () => rows.forEach((row) => this.dispatch(row)));
    this.metrics.observeDispatch((performance.now() - startedAt) / 1000);
  }

  /** Nobody to deliver to: moves the live start point without reading rows. */
  private async skipToNewest(): Promise<boolean> {
    const newest = await this.log.latestId();
    // A stream opened meanwhile starts at the old point: then the rows must be read after all.
    if (this.connectionCount > 0 || this.dispatchedUpTo === undefined) return false;
    if (newest > this.dispatchedUpTo) this.dispatchedUpTo = newest;
    return true;
  }

  /** Hands a row to its user's streams, once: a read and a hand-over may both bring it. */
  private dispatch(row: LogRow): void {
    const id = BigInt(row.id);
    if (id <= this.dispatchedUpTo!) return;
    const streams = this.byUser.get(row.userId);
    if (streams) {
      const event = toLogEvent(row);
      for (const stream of streams) stream.deliver(event);
      this.metrics.deliveryLatency.observe((Date.now() - Date.parse(row.createdAt)) / 1000);
    }
    this.dispatchedUpTo = id;
  }

  private add(stream: StreamConnection): void {
    const cap = this.config.sse.maxConnectionsPerUser;
    for (const oldest of this.byUser.get(stream.userId) ?? []) {
      if (this.byUser.get(stream.userId)!.size < cap) break;
      oldest.end('replaced');
    }
    const streams = this.byUser.get(stream.userId) ?? new Set();
    this.byUser.set(stream.userId, streams.add(stream));
    this.connectionCount++;
    this.metrics.openConnections.inc();
  }

  private *streams(): Iterable<StreamConnection> {
    for (const streams of this.byUser.values()) yield* streams;
  }
}
