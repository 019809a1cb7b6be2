import { Histogram, nowUs } from './histogram';
import type { Phase, StreamSpec } from './protocol';
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

/** One measured SSE stream: remembers its last id and which of its notifications arrived. */
export class BenchStream implements SseEventSink {
  readonly reader: SseReader;
  lastId = '';
  private phase: Phase = { phase: -1, users: 1, total: 0 };
  private seen = new Uint8Array(0);
  private received = 0;
  private expected = 0;

  constructor(
    readonly spec: StreamSpec,
    port: number,
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
    this.tally.histogram.record(nowUs() - jsonNumber(data, 't'));
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
  }

  private completed(): void {
    if (--this.tally.incomplete > 0) return;
    this.tally.completedAtUs = nowUs();
    this.tally.onComplete?.();
  }
}
