import { closeAfterTest } from './leak-check';
import type { ReceivedEvent, SseRecording } from './sse-client';
import type { RunningNotifier } from './notifier-harness';
import { sleep, waitFor } from './wait-for';

/** Opens one stream request, resuming after `lastEventId` when there is one. */
export type OpenStream = (lastEventId: string | undefined) => Promise<SseRecording>;

/**
 * A browser tab as EventSource behaves: whenever its stream ends or cannot be opened it comes
 * back after a short delay and resumes from the last id it saw, keeping every id it received.
 * It stops when the test that opened it ends.
 */
export class ResumingTab {
  readonly ids: string[] = [];
  /** The `data` of every `event: reset`, in order. */
  readonly resets: string[] = [];
  /** Streams that answered 200: one means the tab was never cut off. */
  connections = 0;
  private lastId?: string;
  private current?: SseRecording;
  private stopped = false;
  private readonly running: Promise<void>;

  constructor(
    private readonly open: OpenStream,
    startAfter?: string,
    private readonly retryMs = 50,
  ) {
    this.lastId = startAfter;
    this.running = this.run();
    closeAfterTest(() => this.stop());
  }

  /** Whether a stream is open right now. */
  get connected(): boolean {
    return this.current !== undefined && !this.current.ended && this.current.status === 200;
  }

  waitForIds(count: number, timeoutMs = 30_000): Promise<void> {
    return waitFor(() => this.ids.length >= count, `${count} ids`, timeoutMs);
  }

  /** Cuts the connection as a flaky network would; the tab comes back by itself. */
  drop(): void {
    this.current?.close();
  }

  /** Stops reading the open stream, as a stalled client does, until `resume()`. */
  pause(): void {
    this.current?.pause();
  }

  resume(): void {
    this.current?.resume();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.close();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.follow().catch(() => undefined);
      if (!this.stopped) await sleep(this.retryMs);
    }
  }

  /** Opens one stream and reads it until it ends. */
  private async follow(): Promise<void> {
    const recording = await this.open(this.lastId);
    this.current = recording;
    if (recording.status !== 200 || this.stopped) {
      recording.close();
      return;
    }
    this.connections++;
    // Events may have been parsed before the hook is set: take those first, then follow.
    let taken = 0;
    const takeNew = () => {
      while (taken < recording.events.length) this.receive(recording.events[taken++]);
    };
    recording.onEvent = takeNew;
    takeNew();
    await recording.closed;
  }

  private receive(event: ReceivedEvent): void {
    if (event.event === 'reset') this.resets.push(event.data);
    if (event.event !== undefined || event.id === undefined) return;
    this.ids.push(event.id);
    this.lastId = event.id;
  }
}

/** A tab of `userId` on an in-process notifier, replaying the user's history from the start. */
export function tabOn(notifier: RunningNotifier, userId: string, startAfter = '0'): ResumingTab {
  return new ResumingTab(
    (lastId) =>
      notifier.stream(userId, { headers: lastId === undefined ? {} : { 'Last-Event-ID': lastId } }),
    startAfter,
  );
}
