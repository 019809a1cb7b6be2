import type { StatementStats } from '../postgres';

/**
 * Where a notification's time goes inside the service, from two scrapes of its /metrics (at
 * the start of a scenario's load and at its end): histogram deltas, read as Prometheus'
 * histogram_quantile does, plus the event-loop delay and GC pauses of that window.
 */

export interface Quantiles {
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

export interface RuntimeBreakdown {
  /** created_at → appended to the log (notifier_ingest_lag_seconds). */
  ingest?: Quantiles;
  /** created_at → written to the user's live streams (notifier_delivery_latency_seconds). */
  createdToWritten?: Quantiles;
  /** A live batch, read from the log → written to every stream (notifier_dispatch_seconds). */
  dispatchPerBatch?: Quantiles;
  /** Event-loop delay over the window (notifier_event_loop_delay_seconds). */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** GC pauses in the window, by kind (notifier_gc_pause_seconds). */
  gc: Record<string, { count: number; totalMs: number }>;
  /** Frames written to streams in the window (notifier_notifications_delivered_total). */
  framesWritten: number;
  /** The service's CPU time (user + system) per 1,000 frames written. */
  cpuMsPerThousandFrames?: number;
  /** Postgres' statement execution time (pg_stat_statements) per 1,000 frames written. */
  sqlMsPerThousandFrames?: number;
  /** The statements Postgres spent the most time on in the window. */
  slowestStatements?: StatementTime[];
}

/** What the bench reads of a system at the start and at the end of a scenario's load. */
export interface LoadSnapshot {
  metricsText: string;
  statements?: StatementStats;
}

export interface StatementTime {
  query: string;
  calls: number;
  ms: number;
}

type Samples = Map<string, number>;

export function parsePrometheus(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

export function runtimeBreakdown(start: LoadSnapshot, end: LoadSnapshot): RuntimeBreakdown {
  const [before, after] = [parsePrometheus(start.metricsText), parsePrometheus(end.metricsText)];
  const delay = (statistic: string) =>
    round((after.get(`notifier_event_loop_delay_seconds{statistic="${statistic}"}`) ?? 0) * 1000);
  return {
    ingest: histogramQuantiles(before, after, 'notifier_ingest_lag_seconds'),
    createdToWritten: histogramQuantiles(before, after, 'notifier_delivery_latency_seconds'),
    dispatchPerBatch: histogramQuantiles(before, after, 'notifier_dispatch_seconds'),
    eventLoopDelayMs: { p50: delay('p50'), p99: delay('p99'), max: delay('max') },
    gc: gcPauses(before, after),
    ...costPerFrames(before, after, statementTimes(start.statements, end.statements)),
  };
}

function statementTimes(
  before: StatementStats | undefined,
  after: StatementStats | undefined,
): StatementTime[] | undefined {
  if (!before || !after) return undefined;
  return Object.entries(after)
    .map(([query, { calls, ms }]) => ({
      query: query.replace(/\s+/g, ' '),
      calls: calls - (before[query]?.calls ?? 0),
      ms: round(ms - (before[query]?.ms ?? 0)),
    }))
    .filter((entry) => entry.calls > 0)
    .sort((a, b) => b.ms - a.ms);
}

function costPerFrames(
  before: Samples,
  after: Samples,
  statements: StatementTime[] | undefined,
): Pick<
  RuntimeBreakdown,
  'framesWritten' | 'cpuMsPerThousandFrames' | 'sqlMsPerThousandFrames' | 'slowestStatements'
> {
  const delta = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
  const framesWritten = delta('notifier_notifications_delivered_total');
  if (framesWritten <= 0) return { framesWritten };
  const perThousand = (ms: number) => round((ms / framesWritten) * 1000);
  const sqlMs = statements?.reduce((sum, statement) => sum + statement.ms, 0);
  return {
    framesWritten,
    cpuMsPerThousandFrames: perThousand(delta('notifier_process_cpu_seconds_total') * 1000),
    sqlMsPerThousandFrames: sqlMs === undefined ? undefined : perThousand(sqlMs),
    slowestStatements: statements?.slice(0, 5),
  };
}

function histogramQuantiles(before: Samples, after: Samples, name: string): Quantiles | undefined {
  const delta = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
  const count = delta(`${name}_count`);
  if (count <= 0) return undefined;
  const buckets = [...after.keys()]
    .filter((series) => series.startsWith(`${name}_bucket{`))
    .map((series) => ({ le: Number(/le="([^"]+)"/.exec(series)?.[1]), cumulative: delta(series) }))
    .sort((a, b) => a.le - b.le);
  const quantile = (q: number) => {
    const rank = q * count;
    let lower = 0;
    let below = 0;
    for (const { le, cumulative } of buckets) {
      if (cumulative >= rank) {
        // The last bucket is +Inf: report its lower edge, as histogram_quantile does.
        if (!Number.isFinite(le)) return lower;
        const inBucket = cumulative - below;
        return lower + (le - lower) * (inBucket === 0 ? 0 : (rank - below) / inBucket);
      }
      lower = le;
      below = cumulative;
    }
    return lower;
  };
  return {
    count,
    meanMs: round((delta(`${name}_sum`) / count) * 1000),
    p50Ms: round(quantile(0.5) * 1000),
    p99Ms: round(quantile(0.99) * 1000),
  };
}

function gcPauses(before: Samples, after: Samples): RuntimeBreakdown['gc'] {
  const gc: RuntimeBreakdown['gc'] = {};
  for (const [series, value] of after) {
    const kind = /^notifier_gc_pause_seconds_count\{kind="([^"]+)"\}$/.exec(series)?.[1];
    if (!kind) continue;
    const count = value - (before.get(series) ?? 0);
    const sumSeries = `notifier_gc_pause_seconds_sum{kind="${kind}"}`;
    const total = (after.get(sumSeries) ?? 0) - (before.get(sumSeries) ?? 0);
    if (count > 0) gc[kind] = { count, totalMs: round(total * 1000) };
  }
  return gc;
}

const round = (value: number) => Math.round(value * 1000) / 1000;
