import type { ProducerTarget } from '../load/protocol';

/** One system under test, as every scenario sees it. */
export interface SystemUnderTest {
  readonly port: number;
  /** Its Postgres, when it has one: the meter reads that server's processes and statements. */
  readonly postgresUrl?: string;
  /** Starts it fresh. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Its root process: memory and CPU are read from it and its descendants. */
  pid(): number;
  /** Request path and header lines of a user's stream. */
  stream(user: string): { path: string; headerLines: string };
  producer(): ProducerTarget;
  /** Resolves once everything produced so far can be replayed by a reconnecting client. */
  settled(): Promise<void>;
  /** What it ran as (versions, the mode it chose), once it has run. */
  describe(): string;
}
