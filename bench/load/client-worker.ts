import { nowUs, Phase, serve } from './protocol';
import { jsonNumber, SseReader } from './sse-reader';

/** A forked process holding a share of the SSE streams; the parent calls `handlers` over IPC. */

/** One stream a client worker opens: `user` is the user's index in the run's user list. */
export interface StreamSpec {
  user: number;
  path: string;
  headerLines: string;
}

/** Streams that did not open, and why the first did not. */
export interface OpenResult {
  failed: number;
  firstError?: string;
}

/** Counters over every stream of this worker, for the phase being measured. */
const tally = {
  /** Due → parsed of every notification of the phase received, µs. */
  latenciesUs: [] as number[],
  /** Received twice, or by a stream of another user. */
  duplicates: 0,
  /** Streams still missing some of their notifications. */
  incomplete: 0,
  /** CLOCK_MONOTONIC µs when the last stream got its last expected event. */
  completedAtUs: undefined as number | undefined,
  onComplete: undefined as (() => void) | undefined,
};
let streams: BenchStream[] = [];

/** One measured stream: remembers its last id and which of its notifications arrived. */
class BenchStream extends SseReader {
  lastId = '';
  delivered = 0;
  expected = 0;
  private phase: Phase = { phase: -1, users: 1, total: 0 };
  private seen = new Uint8Array(0);

  constructor(
    readonly spec: StreamSpec,
    port: number,
  ) {
    super(port, spec);
  }

  startPhase(phase: Phase): void {
    const { users, total } = (this.phase = phase);
    this.expected =
      this.spec.user < total ? Math.floor((total - 1 - this.spec.user) / users) + 1 : 0;
    this.seen = new Uint8Array(Math.ceil(total / users));
    this.delivered = 0;
  }

  protected override onEvent(id: string, data: string): void {
    if (id) this.lastId = id;
    // Events of an earlier phase may still trickle in after it was measured: not counted.
    if (jsonNumber(data, 'p') !== this.phase.phase) return;
    const seq = jsonNumber(data, 's');
    tally.latenciesUs.push(nowUs() - jsonNumber(data, 't'));
    const slot = Math.floor(seq / this.phase.users);
    if (seq % this.phase.users !== this.spec.user || this.seen[slot]) {
      tally.duplicates++;
      return;
    }
    this.seen[slot] = 1;
    if (++this.delivered === this.expected && --tally.incomplete === 0) {
      tally.completedAtUs = nowUs();
      tally.onComplete?.();
    }
  }
}

/**
 * Opens the streams with at most `concurrency` in flight, resuming each from the last id it saw
 * when `resume`; counts failures instead of throwing.
 */
async function openAll(batch: BenchStream[], concurrency: number, resume = false) {
  const result: OpenResult = { failed: 0 };
  let next = 0;
  const lane = async () => {
    for (let stream = batch[next++]; stream; stream = batch[next++]) {
      await stream.open(resume ? stream.lastId : undefined).catch((error: Error) => {
        result.failed++;
        result.firstError ??= error.message;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, lane));
  return result;
}

function report() {
  return {
    latenciesUs: tally.latenciesUs,
    lost: streams.reduce((sum, stream) => sum + stream.expected - stream.delivered, 0),
    duplicates: tally.duplicates,
    completedAtUs: tally.incomplete <= 0 ? tally.completedAtUs : undefined,
  };
}

const handlers = {
  open(port: number, specs: StreamSpec[], concurrency: number): Promise<OpenResult> {
    const fresh = specs.map((spec) => new BenchStream(spec, port));
    streams.push(...fresh);
    return openAll(fresh, concurrency);
  },

  startPhase(phase: Phase): void {
    Object.assign(tally, { latenciesUs: [], duplicates: 0, completedAtUs: undefined });
    for (const stream of streams) stream.startPhase(phase);
    tally.incomplete = streams.filter((stream) => stream.expected > 0).length;
    if (tally.incomplete === 0) tally.completedAtUs = nowUs();
  },

  /** Resolves once every stream has all its notifications of the phase, or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<ReturnType<typeof report>> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      function finish() {
        clearTimeout(timer);
        tally.onComplete = undefined;
        resolve(report());
      }
      if (tally.incomplete <= 0) return finish();
      tally.onComplete = finish;
    });
  },

  disconnect(): void {
    for (const stream of streams) stream.close();
  },

  /** A storm: every stream at once, resuming from the last id it saw. */
  reopen(): Promise<OpenResult> {
    return openAll(streams, streams.length, true);
  },

  exit(): void {
    handlers.disconnect();
    streams = [];
    setImmediate(() => process.exit(0));
  },
};
export type ClientHandlers = typeof handlers;

serve(handlers);
