import type { SparseHistogram } from './histogram';

/** One stream a client worker opens: `user` is the user's index in the run's user list. */
export interface StreamSpec {
  user: number;
  path: string;
  headerLines: string;
}

/**
 * A phase is one measured window. Notification `s` of a phase (0 ≤ s < total) goes to user
 * `s % users`, so every stream knows exactly what it must receive, and a bitmap per stream
 * finds both losses and duplicates without storing ids.
 */
export interface Phase {
  phase: number;
  users: number;
  total: number;
}

export type ClientCommand =
  | { cmd: 'open'; port: number; streams: StreamSpec[]; concurrency: number }
  | { cmd: 'phase'; phase: Phase }
  | { cmd: 'wait'; timeoutMs: number }
  | { cmd: 'report' }
  | { cmd: 'disconnect' }
  | { cmd: 'reopen' }
  | { cmd: 'failover'; from: number; to: number }
  | { cmd: 'failovers' }
  | { cmd: 'exit' };

/** One failed-over stream, CLOCK_MONOTONIC µs (see `BenchStream.failOverTo`). */
export interface FailoverTimes {
  endedAtUs: number;
  /** Undefined while connecting, or when every attempt failed (`gaveUp`). */
  reconnectedAtUs?: number;
  /** When it held every event of its user stamped before `reconnectedAtUs`. */
  caughtUpAtUs?: number;
  /** Failed attempts, each followed by another, and the last failure's message. */
  retries: number;
  lastError?: string;
  gaveUp: boolean;
}

export interface FailoverReport {
  /** Streams armed to fail over. */
  armed: number;
  /** Those whose stream ended so far. */
  ended: FailoverTimes[];
}

export interface OpenResult {
  opened: number;
  failed: number;
  firstError?: string;
}

export interface ClientReport {
  histogram: SparseHistogram;
  maxUs: number;
  expected: number;
  delivered: number;
  duplicates: number;
  misrouted: number;
  disconnects: number;
  /** CLOCK_MONOTONIC µs when the last stream got its last expected event, if all did. */
  completedAtUs?: number;
}

/** The payload every producer sends: phase, sequence number, CLOCK_MONOTONIC µs at send. */
export const stampPayload = (phase: number, seq: number, nowUs: number): string =>
  `{"p":${phase},"s":${seq},"t":${nowUs}}`;

export interface ProducerJob {
  target: ProducerTarget;
  phase: Phase;
  /** Notifications per second over all producer workers; 0: as fast as possible. */
  rate: number;
  worker: number;
  workers: number;
  /** Parallel transactions (or HTTP requests) in flight per producer worker. */
  connections: number;
  maxBatch: number;
  /** User `i` is named `${userPrefix}${i}` in every system. */
  userPrefix: string;
}

export type ProducerTarget =
  | { kind: 'sql'; url: string; insert: 'notifier' | 'baseline' }
  | { kind: 'http'; port: number; pathPrefix: string };

export interface ProducerResult {
  sent: number;
  errors: number;
  elapsedMs: number;
  firstError?: string;
}
