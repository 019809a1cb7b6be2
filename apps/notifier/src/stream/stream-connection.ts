import { Logger } from '@nestjs/common';
import { encodeComment } from '@app/sse';
import type { HeartbeatWheel, WheelEntry } from './heartbeat-wheel';
import { aheadOfLogFrame, historyTruncatedFrame, LogEvent } from './notification-frame';
import type { StreamSink } from './stream-sink';

export type EndReason =
  | 'client'
  | 'slow-consumer'
  | 'replaced'
  | 'closed-for-good'
  | 'token-expired'
  | 'shutdown'
  | 'error';

/**
 * - `live`: the hub's events are written as they come, while they fit the buffer limit.
 * - `replaying`: the stream reads its user's log from its cursor at the pace of its socket;
 *   the hub's events are held meanwhile (within the limit) and written when it goes live.
 * - `ended`: removed from the hub, nothing is written any more, the socket is closing.
 *
 * live → replaying: a live event did not fit (`catchUp`, which starts the replay loop).
 * replaying → live: a short page and every held event written (`goLive`).
 * any → ended: `end`. Only the replay loop leaves `replaying`, and only `catchUp` enters it,
 * so a stream that is open is always either fed by the hub or by its own replay.
 */
export type StreamMode = 'live' | 'replaying' | 'ended';

/** A page of one user's log after a cursor, for a replaying stream. */
export interface LogPage {
  events: LogEvent[];
  /** False when the page was cut by its size: more rows may follow at once. */
  complete: boolean;
  /** Retention deleted rows of this user up to here (0: none). */
  deletedUpTo: bigint;
  /** The highest id the log has held, read with the page. */
  newestId: bigint;
}

export interface ReplaySource {
  pageAfter(userId: string, after: bigint): Promise<LogPage>;
}

export interface StreamObserver {
  sent(stream: StreamConnection, events: readonly LogEvent[], replayed: boolean): void;
  ended(stream: StreamConnection, reason: EndReason): void;
}

export interface StreamSettings {
  maxBufferBytes: number;
  heartbeatMs: number;
  /** How long an ended stream's client may take to read its last bytes before the socket goes. */
  endGraceMs: number;
}

export interface StreamOpening {
  id: number;
  userId: string;
  /** When the token that opened it expires (ms since the epoch): the stream ends then. */
  expiresAt: number;
  /** The highest log id the client has; replayed from when `replay` is set. */
  cursor: bigint;
  replay: boolean;
  /** Where the hub stood in the log when the stream opened: every later row reaches it live. */
  liveFrom: bigint;
}

const HEARTBEAT = Buffer.from(encodeComment('ping'));

/**
 * One open stream. `cursor` is the highest log id written to it, so nothing at or below it is
 * ever written again; the unsent output passes `maxBufferBytes` by at most one frame. An idle
 * stream holds its socket and little else: its heartbeat is an entry in the hub's wheel, and
 * what it holds during a replay exists only then.
 */
export class StreamConnection implements WheelEntry {
  private static readonly logger = new Logger(StreamConnection.name);
  readonly id: number;
  readonly userId: string;
  private readonly openedAtMs = Date.now();
  private currentMode: StreamMode = 'live';
  private endReason?: EndReason;
  private position: bigint;
  /** Live events that arrived during the replay, while replaying. */
  private held?: HeldEvents;
  /** Ends the replay loop's wait for 'drain', when there is one. */
  private stopWaiting?: () => void;
  /** The hub's wheel keeps here the tick of the next beat. */
  wheelTick: number | undefined;
  private graceTimer?: NodeJS.Timeout;
  /** Bytes handed to the sink, and how many of them it had flushed at the last heartbeat. */
  private queuedBytes = 0;
  private flushedAtLastBeat = 0;
  private readonly expiresAt: number;
  private readonly liveFrom: bigint;

  constructor(
    opening: StreamOpening,
    private readonly sink: StreamSink,
    private readonly settings: StreamSettings,
    private readonly source: ReplaySource,
    private readonly observer: StreamObserver,
    private readonly heartbeats: HeartbeatWheel,
  ) {
    this.id = opening.id;
    this.userId = opening.userId;
    this.position = opening.cursor;
    this.expiresAt = opening.expiresAt;
    this.liveFrom = opening.liveFrom;
    // A write racing the client's reset fails and closes the sink: the stream ends as the client's.
    sink.whenClosed(this.onSinkClosed);
    // Spread over the interval, so that thousands of streams do not beat in the same tick.
    this.scheduleBeat(Math.random() * settings.heartbeatMs);
    if (sink.destroyed) this.end('client');
    else if (opening.replay) this.catchUp();
  }

  get mode(): StreamMode {
    return this.currentMode;
  }

  get openedAt(): Date {
    return new Date(this.openedAtMs);
  }

  get ended(): boolean {
    return this.currentMode === 'ended';
  }

  get reason(): EndReason | undefined {
    return this.endReason;
  }

  get cursor(): bigint {
    return this.position;
  }

  get bufferedBytes(): number {
    return this.sink.writableLength;
  }

  /** A live event from the hub, in log order. */
  deliver(event: LogEvent): void {
    if (this.currentMode === 'ended' || event.id <= this.position) return;
    if (this.currentMode === 'replaying') return this.held?.add(event);
    if (!this.fits(event.frame)) return this.catchUp();
    this.send(event);
    this.observer.sent(this, [event], false);
  }

  /** A frame without `id:` (read state); dropped when the stream is behind anyway. */
  notify(frame: Buffer): void {
    if (this.currentMode === 'ended' || !this.fits(frame)) return;
    this.queue(frame);
  }

  end(reason: EndReason): void {
    if (this.currentMode === 'ended') return;
    this.currentMode = 'ended';
    this.endReason = reason;
    this.held = undefined;
    this.heartbeats.cancel(this);
    this.stopWaiting?.();
    this.observer.ended(this, reason);
    if (reason === 'client') return;
    if (reason === 'slow-consumer' || reason === 'error') {
      this.sink.destroy();
      return;
    }
    this.sink.end();
    this.graceTimer = setTimeout(() => this.sink.destroy(), this.settings.endGraceMs);
  }

  private readonly onSinkClosed = (): void => {
    clearTimeout(this.graceTimer);
    this.end('client');
  };

  private catchUp(): void {
    this.currentMode = 'replaying';
    this.held = new HeldEvents(this.settings.maxBufferBytes);
    this.replayUntilLive().catch((error: Error) => {
      StreamConnection.logger.warn(
        `Replay of stream ${this.id} failed, ending it: ${error.message}`,
      );
      this.end('error');
    });
  }

  private async replayUntilLive(): Promise<void> {
    for (;;) {
      if (!(await this.writable())) return;
      const page = await this.source.pageAfter(this.userId, this.position);
      if (this.currentMode === 'ended') return;
      if (page.newestId < this.position) {
        this.rewindAheadOfLog(page.newestId);
        continue;
      }
      if (page.deletedUpTo > this.position) this.skipTruncated(page.deletedUpTo);
      const sent: LogEvent[] = [];
      for (const event of page.events) {
        if (event.id <= this.position) continue;
        if (this.ended || (this.sink.writableNeedDrain && !(await this.writable()))) return;
        this.send(event);
        sent.push(event);
      }
      this.observer.sent(this, sent, true);
      if (page.complete && this.goLive()) return;
    }
  }

  /**
   * Retention deleted rows of this user after the cursor: `event: reset` says so. It has no
   * `id:`, so the client's resume point moves only with the rows that follow it.
   */
  private skipTruncated(deletedUpTo: bigint): void {
    this.position = deletedUpTo;
    this.queue(historyTruncatedFrame(deletedUpTo + 1n));
  }

  /**
   * The cursor is past anything the log ever held (a restored database, a reset sequence):
   * every row would be dropped as already sent. `event: reset` says so, and the replay goes
   * on from where the hub stood when the stream opened (never past the log's end), so that
   * nothing appended since is skipped.
   */
  private rewindAheadOfLog(newestId: bigint): void {
    this.position = newestId < this.liveFrom ? newestId : this.liveFrom;
    this.queue(aheadOfLogFrame(newestId));
  }

  /** Writes what was held; true when live, false when it must read on (held too much or it did not fit). */
  private goLive(): boolean {
    if (!this.held || this.held.overflowed) {
      this.held = new HeldEvents(this.settings.maxBufferBytes);
      return false;
    }
    const held = this.held.events;
    this.held = undefined;
    this.currentMode = 'live';
    const sent: LogEvent[] = [];
    for (const event of held) {
      if (event.id <= this.position) continue;
      if (!this.fits(event.frame)) {
        this.currentMode = 'replaying';
        this.held = new HeldEvents(this.settings.maxBufferBytes);
        break;
      }
      this.send(event);
      sent.push(event);
    }
    this.observer.sent(this, sent, false);
    return this.currentMode === 'live';
  }

  /** Resolves once the socket takes more (true), or when the stream ended (false). */
  private writable(): Promise<boolean> {
    if (this.currentMode === 'ended') return Promise.resolve(false);
    if (!this.sink.writableNeedDrain) return Promise.resolve(true);
    return new Promise((resolve) => {
      const settle = () => {
        this.sink.off('drain', settle);
        this.stopWaiting = undefined;
        resolve(this.currentMode !== 'ended');
      };
      this.sink.on('drain', settle);
      this.stopWaiting = settle;
    });
  }

  /** One frame on top of what is unsent may pass the limit, so that any frame can go out. */
  private fits(frame: Buffer): boolean {
    const unsent = this.sink.writableLength;
    return unsent === 0 || unsent + frame.length <= this.settings.maxBufferBytes;
  }

  private send(event: LogEvent): void {
    this.position = event.id;
    this.queue(event.frame);
  }

  private queue(frame: Buffer): void {
    if (this.sink.destroyed) return this.end('client');
    this.queuedBytes += frame.length;
    this.sink.write(frame);
  }

  private scheduleBeat(delay: number): void {
    // A beat's own ping can end the stream (its socket already gone): nothing to beat then.
    if (this.currentMode === 'ended') return;
    const untilExpiry = Math.max(0, this.expiresAt - Date.now());
    this.heartbeats.schedule(this, Math.min(delay, untilExpiry));
  }

  /**
   * Every heartbeat interval (run by the hub's wheel): the token's expiry ends the stream; a
   * client that took nothing since the last beat while output waited is ended (it resumes and
   * loses nothing); an idle stream gets `: ping`, so proxies keep it open.
   */
  beat(): void {
    if (Date.now() >= this.expiresAt) return this.end('token-expired');
    const unsent = this.sink.writableLength;
    const flushed = this.queuedBytes - unsent;
    if (unsent > 0 && flushed <= this.flushedAtLastBeat) return this.end('slow-consumer');
    if (unsent === 0) this.queue(HEARTBEAT);
    this.flushedAtLastBeat = this.queuedBytes - this.sink.writableLength;
    this.scheduleBeat(this.settings.heartbeatMs);
  }
}

/** Live events that arrive during a replay, within a byte budget; past it they are re-read from the log. */
class HeldEvents {
  readonly events: LogEvent[] = [];
  private bytes = 0;
  overflowed = false;

  constructor(private readonly budget: number) {}

  add(event: LogEvent): void {
    if (this.overflowed) return;
    if (this.bytes + event.frame.length > this.budget) {
      this.events.length = 0;
      this.overflowed = true;
      return;
    }
    this.events.push(event);
    this.bytes += event.frame.length;
  }
}
