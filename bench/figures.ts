import type { LoadName, ProducerMode } from './options';
import type { PgKind, StatementCost } from './postgres';

/** Milliseconds on a CPU (from /proc) per notification sent, over one load. */
export interface CpuFigures {
  service: number;
  /** Every process of the service's Postgres, by kind; absent for a system without one. */
  postgres?: Record<PgKind, number>;
  postgresTotal: number;
  /** Service and Postgres: what the machine spends on a notification outside the load generator. */
  total: number;
  /** Postgres per row of the same producers, at the same rate, into a plain table nobody reads. */
  producersShare?: number;
  /** `total` less the producers' share: what our pipeline adds. */
  rest?: number;
  loadGenerator: number;
  /** Busy CPU of the whole machine over the load, in % of one core (2 cores: up to 200). */
  machineBusyPercent: number;
}

export interface LoadFigures {
  rate: number;
  producer: ProducerMode;
  sent: number;
  /** What the producers managed per second; below `rate` when the system held them back. */
  sentPerS: number;
  producerErrors: number;
  /** From the first send to the last delivery (or the drain timeout), seconds. */
  windowS: number;
  lost: number;
  duplicates: number;
  /** From the time each notification was due to be sent to the client parsing it. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** How long notifications waited for a free producer connection, p99. */
  sendWaitP99Ms: number;
  cpu: CpuFigures;
  /** pg_stat_statements over the load: calls and ms per notification, most time first. */
  statements: StatementCost[];
}

export interface StormFigures {
  clients: number;
  behind: number;
  /** From the reconnect order to the last client holding all it missed; null if it never did. */
  catchUpS: number | null;
  lost: number;
  duplicates: number;
  reconnectFailures: number;
  /** SYNs the kernel dropped on full listen queues during the storm (machine-wide). */
  listenDrops: number;
  /** Statements Postgres ran during the storm (pg_stat_statements); absent without Postgres. */
  sqlStatements?: number;
  /** CPU ms per resumed client, from the reconnect order to the last client caught up. */
  cpu?: { service: number; postgres: number };
}

export interface RatioFigures {
  /** pgbench transactions per second, one single-row INSERT each. */
  outboxTps: number;
  plainTps: number;
  ratio: number;
}

export interface SystemFigures {
  /** The OUTBOX_WAKE the service chose on this server when none was set. */
  mode?: string;
  open?: { streams: number; perS: number };
  memory?: { beforeKiB: number; afterKiB: number; perStreamKiB: number };
  loads: Partial<Record<LoadName, LoadFigures>>;
  storm?: StormFigures;
  /** Producers' commit rate into the outbox against a plain table, by OUTBOX_WAKE. */
  producers?: Record<string, RatioFigures>;
  /** Scenarios that failed, with why. */
  errors: string[];
}

export interface BenchReport {
  runId: string;
  command: string;
  commit: string;
  node: string;
  postgres: string;
  /** nginx's and Nchan's versions, when Nchan ran. */
  nchan?: string;
  machine: string;
  loadAverage: { start: number; end: number };
  quick: boolean;
  /** Every run's figures, by system; the report shows their medians. */
  runs: Record<string, SystemFigures>[];
  skipped: Record<string, string>;
  profiles?: string;
}
