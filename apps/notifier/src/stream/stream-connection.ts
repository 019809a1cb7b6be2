import { once } from 'node:events';
import type { Response } from 'express';
import type { LogEvent } from './notification-frame';

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

  /** A live event from the hub, in log order. */
  deliver(event: LogEvent): boolean {
    if (event.id <= this.cursor) return false;
    if (this.replaying) {
      this.holdDuringReplay(event);
      return false;
    }
    this.cursor = event.id;
    return this.write(event.frame);
  }

  /**
   * Writes without waiting; a client whose unsent output passes the limit is cut off, since
   * it can reconnect with Last-Event-ID and lose nothing, while its buffer would grow unbounded.
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
