import { Histogram, nowUs } from './histogram';
import type { FailoverTimes, Phase, StreamSpec } from './protocol';
import { jsonNumber, SseEventSink, SseReader } from './sse-reader';

/** Counters shared by every stream of one client worker. */
export interface WorkerTally {
  histogram: Histogram;
  duplicates: number;
  misrouted: number;
  disconnects: number;
  incomplete: number;
  completedAtUs?: number;
  onComplete?: () => void;
}

/** How many notifications of a phase belong to a user (see `Phase`). */
export function expectedFor(user: number, { users, total }: Phase): number {
  return user < total ? Math.floor((total - 1 - user) / users) + 1 : 0;
}

/** What a stream armed by `failOverTo` went through once the server ended it. */
interface Failover {
  port: number;
  endedAtUs?: number;
  reconnectedAtUs?: number;
  retries: number;
  lastError?: string;
  gaveUp: boolean;
  /** Producer stamp and arrival of each event received after the end, both µs. */
  after: [stampUs: number, arrivedUs: number][];
}

const RECONNECT_ATTEMPTS = 5;

/** One measured SSE stream: remembers its last id and which of its notifications arrived. */
export class BenchStream implements SseEventSink {
  readonly reader: SseReader;
  lastId = '';
  private phase: Phase = { phase: -1, users: 1, total: 0 };
  private seen = new Uint8Array(0);
  private received = 0;
  private expected = 0;
  private failover?: Failover;

  constructor(
    readonly spec: StreamSpec,
    /** The port it was opened on. */
    readonly port: number,
    private readonly tally: WorkerTally,
  ) {
    this.reader = new SseReader({ port, path: spec.path, headerLines: spec.headerLines }, this);
  }

  get delivered(): number {
    return this.received;
  }

  startPhase(phase: Phase): void {
    this.phase = phase;
    this.expected = expectedFor(this.spec.user, phase);
    this.seen = new Uint8Array(Math.ceil(phase.total / phase.users));
    this.received = 0;
  }

  get expectedCount(): number {
    return this.expected;
  }

  onEvent(id: string, data: string): void {
    if (id) this.lastId = id;
    // Events of an earlier phase may still trickle in after it was measured: not counted.
    if (jsonNumber(data, 'p') !== this.phase.phase) return;
    const seq = jsonNumber(data, 's');
    const stampUs = jsonNumber(data, 't');
    const arrivedUs = nowUs();
    this.tally.histogram.record(arrivedUs - stampUs);
    if (this.failover?.endedAtUs !== undefined) this.failover.after.push([stampUs, arrivedUs]);
    if (seq % this.phase.users !== this.spec.user) {
      this.tally.misrouted++;
      return;
    }
    const slot = Math.floor(seq / this.phase.users);
    if (this.seen[slot]) {
      this.tally.duplicates++;
      return;
    }
    this.seen[slot] = 1;
    this.received++;
    if (this.received === this.expected) this.completed();
  }

  onClose(): void {
    this.tally.disconnects++;
    if (this.failover && this.failover.endedAtUs === undefined) void this.resume(this.failover);
  }

  /**
   * From now on, the server ending this stream makes it reconnect at once to `port` with its
   * Last-Event-ID, as a client behind a load balancer does when its instance stops (once).
   */
  failOverTo(port: number): void {
    this.failover = { port, after: [], retries: 0, gaveUp: false };
  }

  /** Closes it for good: no failover follows. */
  close(): void {
    this.failover = undefined;
    this.reader.close();
  }

  /**
   * When it ended, was reconnected, and held every event stamped before that reconnect;
   * undefined if it was not armed, or has not ended.
   */
  failoverTimes(): FailoverTimes | undefined {
    const failover = this.failover;
    if (failover?.endedAtUs === undefined) return undefined;
    const { endedAtUs, reconnectedAtUs, retries, lastError, gaveUp } = failover;
    let caughtUpAtUs = reconnectedAtUs;
    if (reconnectedAtUs !== undefined) {
      for (const [stampUs, arrivedUs] of failover.after) {
        if (stampUs < reconnectedAtUs && arrivedUs > caughtUpAtUs!) caughtUpAtUs = arrivedUs;
      }
    }
    return { endedAtUs, reconnectedAtUs, caughtUpAtUs, retries, lastError, gaveUp };
  }

  private async resume(failover: Failover): Promise<void> {
    failover.endedAtUs = nowUs();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.reader.open(this.lastId, failover.port);
        failover.reconnectedAtUs = nowUs();
        return;
      } catch (error) {
        failover.lastError = (error as Error).message;
        if (attempt === RECONNECT_ATTEMPTS) return void (failover.gaveUp = true);
        failover.retries++;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  private completed(): void {
    if (--this.tally.incomplete > 0) return;
    this.tally.completedAtUs = nowUs();
    this.tally.onComplete?.();
  }
}
