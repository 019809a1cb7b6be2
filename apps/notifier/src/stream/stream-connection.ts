import { once } from 'node:events';
import type { Response } from 'express';
import type { LogEvent } from './notification-frame';

/** What became of a live event: written, held during a replay, already sent, or refused. */
export type Delivery = 'written' | 'held' | 'skipped' | 'fell-behind';

export type EndReason =
  'client' | 'slow-consumer' | 'replaced' | 'closed-for-good' | 'shutdown' | 'error';

/** Live events held while a replay runs; past this the replay re-reads them from the log. */
const MAX_PENDING_EVENTS = 1000;

/**
 * One open SSE response. `cursor` is the highest log id written to it, so nothing at or
 * below it is ever written again. While it replays, live events wait in `pending`.
 */
export class StreamConnection {
  readonly openedAt = new Date();
  cursor: bigint;
  private replaying: boolean;
  private pending: LogEvent[] = [];
  private pendingOverflowed = false;
  private endReason?: EndReason;

  constructor(
    readonly id: number,
    readonly userId: string,
    private readonly response: Response,
    private readonly maxBufferBytes: number,
    resumeFrom: bigint,
    replay: boolean,
  ) {
    this.cursor = resumeFrom;
    this.replaying = replay;
  }

  get ended(): boolean {
    return this.endReason !== undefined;
  }

  get bufferedBytes(): number {
    return this.response.writableLength;
  }

  /**
   * A live event from the hub, in log order. One that would push the unsent output past the
   * limit is not written: the stream falls behind and catches up from the log once it drains,
   * so a burst never cuts off a client that reads, and memory stays bounded either way.
   */
  deliver(event: LogEvent): Delivery {
    if (event.id <= this.cursor) return 'skipped';
    if (this.replaying) {
      this.holdDuringReplay(event);
      return 'held';
    }
    if (this.response.writableLength + event.frame.length > this.maxBufferBytes) {
      this.replaying = true;
      return 'fell-behind';
    }
    this.cursor = event.id;
    this.response.write(event.frame);
    return 'written';
  }

  /** Whether the client takes its unsent output within `patienceMs` (false: stalled or gone). */
  async drained(patienceMs: number): Promise<boolean> {
    if (this.ended) return false;
    if (!this.response.writableNeedDrain) return true;
    const abort = new AbortController();
    const { signal } = abort;
    const outcome = await Promise.race([
      once(this.response, 'drain', { signal }).then(() => true),
      once(this.response, 'close', { signal }).then(() => false),
      new Promise<false>((resolve) => setTimeout(resolve, patienceMs, false)),
    ]).catch(() => false);
    abort.abort();
    return outcome && !this.ended;
  }

  /**
   * Writes a small frame (heartbeat, read state) without waiting; a client whose unsent output
   * still passes the limit is cut off: it resumes with Last-Event-ID and loses nothing.
   */
  write(chunk: Buffer | string): boolean {
    if (this.ended) return false;
    this.response.write(chunk);
    if (this.response.writableLength <= this.maxBufferBytes) return true;
    this.end('slow-consumer');
    return false;
  }

  /** A replayed event, paced by the socket: waits for it to drain before reading more. */
  async replay(event: LogEvent): Promise<boolean> {
    if (this.ended) return false;
    this.cursor = event.id;
    return this.writePaced(event.frame);
  }

  /**
   * Skips what retention deleted: the `reset` frame carries no `id:`, so the client's resume
   * point moves only with the rows that follow it.
   */
  async skipTruncated(deletedUpTo: bigint, frame: string): Promise<boolean> {
    if (this.ended) return false;
    this.cursor = deletedUpTo;
    return this.writePaced(frame);
  }

  /**
   * Called when a replay page came back short. Returns true when the connection is now live;
   * false when live events were dropped meanwhile, so the replay must read on.
   */
  finishReplay(): boolean {
    if (this.pendingOverflowed) {
      this.pendingOverflowed = false;
      return false;
    }
    this.replaying = false;
    const held = this.pending;
    this.pending = [];
    for (const event of held) this.deliver(event);
    return true;
  }

  end(reason: EndReason): void {
    if (this.ended) return;
    this.endReason = reason;
    this.pending = [];
    if (reason === 'slow-consumer') this.response.destroy();
    else this.response.end();
  }

  onEnd(listener: (reason: EndReason) => void): void {
    this.response.once('close', () => {
      this.endReason ??= 'client';
      listener(this.endReason);
    });
  }

  private async writePaced(chunk: Buffer | string): Promise<boolean> {
    if (this.response.write(chunk)) return true;
    await Promise.race([once(this.response, 'drain'), once(this.response, 'close')]);
    return !this.ended;
  }

  private holdDuringReplay(event: LogEvent): void {
    if (this.pendingOverflowed) return;
    if (this.pending.length < MAX_PENDING_EVENTS) {
      this.pending.push(event);
      return;
    }
    this.pending = [];
    this.pendingOverflowed = true;
  }
}
