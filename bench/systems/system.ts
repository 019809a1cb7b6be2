import type { ProducerTarget } from '../load/protocol';
import type { StatementStats } from '../postgres';

/** One peer under test, as every scenario sees it. */
export interface SystemUnderTest {
  readonly name: string;
  readonly port: number;
  /** Starts it fresh for one scenario (named, for per-scenario profiles). */
  start(scenario: string): Promise<void>;
  stop(): Promise<void>;
  /** Request path and header lines of a user's stream. */
  stream(user: string): { path: string; headerLines: string };
  producer(): ProducerTarget;
  /** Resident memory of the whole system (every process), in KiB. */
  memoryKiB(): Promise<number>;
  /** Resolves once everything produced so far can be replayed by a reconnecting client. */
  settled(): Promise<void>;
  /** Calls and time of each SQL statement the system ran so far; undefined when it uses no SQL. */
  sqlStatements(): Promise<StatementStats | undefined>;
  /** Its Prometheus /metrics text, when it has one that says where the time goes. */
  metricsText?(): Promise<string>;
  /** Software versions worth printing next to its figures. */
  version(): Promise<string>;
}
