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
  | { cmd: 'disconnect' }
  | { cmd: 'reopen' }
  | { cmd: 'exit' };

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
  /** CLOCK_MONOTONIC µs when the last stream got its last expected event, if all did. */
  completedAtUs?: number;
}

/** The payload every producer sends: phase, sequence number, CLOCK_MONOTONIC µs it was due. */
export const stampPayload = (phase: number, seq: number, dueUs: number): string =>
  `{"p":${phase},"s":${seq},"t":${dueUs}}`;

/** Where producers send: a table over SQL (one connection per lane), or HTTP POSTs. */
export type ProducerTarget =
  { kind: 'sql'; url: string; table: string } | { kind: 'http'; port: number; pathPrefix: string };

export interface ProduceJob {
  phase: Phase;
  /** Notifications per second over all producer workers; 0: as fast as the lanes go. */
  rate: number;
  /** CLOCK_MONOTONIC µs at which sequence number 0 is due, the same for every worker. */
  startAtUs: number;
  worker: number;
  workers: number;
  /** Rows per statement at most: 1 is one transaction per notification. */
  batch: number;
  /** A lane starts at most one statement per this many ms (0: as soon as it is free). */
  restMs: number;
  /** User `i` is named `${userPrefix}${i}` in every system. */
  userPrefix: string;
}

export type ProducerCommand =
  | { cmd: 'connect'; target: ProducerTarget; lanes: number }
  | { cmd: 'produce'; job: ProduceJob }
  | { cmd: 'close' };

export interface ProducerResult {
  sent: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  /** Sent − due, per row: how long rows waited for a free lane (the system holding them). */
  wait: SparseHistogram;
  waitMaxUs: number;
}
