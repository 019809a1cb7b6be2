import { Histogram, nowUs } from './histogram';
import type { Phase, StreamSpec } from './protocol';
import { jsonNumber, SseReader } from './sse-reader';

/** Counters shared by every stream of one client worker. */
export interface WorkerTally {
  histogram: Histogram;
  duplicates: number;
  misrouted: number;
  incomplete: number;
  completedAtUs?: number;
  onComplete?: () => void;
}

/** How many notifications of a phase belong to a user (see `Phase`). */
export function expectedFor(user: number, { users, total }: Phase): number {
  return user < total ? Math.floor((total - 1 - user) / users) + 1 : 0;
}

/** One measured SSE stream: remembers its last id and which of its notifications arrived. */
export class BenchStream {
  readonly reader: SseReader;
  lastId = '';
  delivered = 0;
  expected = 0;
  private phase: Phase = { phase: -1, users: 1, total: 0 };
  private seen = new Uint8Array(0);

  constructor(
    readonly spec: StreamSpec,
    port: number,
    private readonly tally: WorkerTally,
  ) {
    const target = { port, path: spec.path, headerLines: spec.headerLines };
    this.reader = new SseReader(target, (id, data) => this.onEvent(id, data));
  }

  startPhase(phase: Phase): void {
    this.phase = phase;
    this.expected = expectedFor(this.spec.user, phase);
    this.seen = new Uint8Array(Math.ceil(phase.total / phase.users));
    this.delivered = 0;
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
    if (++this.delivered === this.expected && --this.tally.incomplete === 0) {
      this.tally.completedAtUs = nowUs();
      this.tally.onComplete?.();
    }
  }

  close(): void {
    this.reader.close();
  }
}
