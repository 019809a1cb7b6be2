import type { RuntimeBreakdown } from './report/metrics-breakdown';
import type { HotSpot } from './report/profile-summary';
import type { LatencyResult, MemoryResult } from './scenarios/latency';
import type { StormResult } from './scenarios/storm';
import type { ThroughputResult } from './scenarios/throughput';

export interface SystemResults {
  version: string;
  memory?: MemoryResult;
  latency?: LatencyResult;
  throughput?: ThroughputResult;
  storm?: StormResult;
  /** Where the time went inside the service during each scenario's load, from its /metrics. */
  breakdown?: Record<string, RuntimeBreakdown>;
  /** Why a scenario (or the whole system) did not run or failed. */
  errors: string[];
}

export interface RunResults {
  runId: string;
  date: string;
  mode: 'full' | 'quick';
  command: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    kernel: string;
    node: string;
    postgres: string;
    /** Other work on the machine skews every figure; this says how much there was. */
    loadAverageAtStart: number;
  };
  systems: Record<string, SystemResults>;
  skipped: Record<string, string>;
  /** CPU profile summaries of the service, by scenario (`--profile`). */
  profiles?: Record<string, { functions: HotSpot[]; byArea: HotSpot[] }>;
}
