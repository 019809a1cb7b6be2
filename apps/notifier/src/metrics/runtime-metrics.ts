import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { IntervalHistogram, PerformanceEntry } from 'node:perf_hooks';
import { Gauge, Histogram, Registry } from 'prom-client';

const GC_PAUSE_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Sampling interval of the event-loop delay: cheap enough to leave on. */
const DELAY_RESOLUTION_MS = 10;

/** What the event-loop delay gauge reports of the delays sampled since the previous scrape. */
const DELAY_STATISTICS = { p50: 50, p99: 99 } as const;

/**
 * Event-loop delay and GC pauses of this process: the two things that hold every stream's
 * write back at once, and so what a latency tail is checked against first.
 */
export class RuntimeMetrics {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({
    resolution: DELAY_RESOLUTION_MS,
  });
  private readonly gcObserver: PerformanceObserver;

  constructor(registry: Registry) {
    const delay = this.delay;
    new Gauge({
      name: 'notifier_event_loop_delay_seconds',
      help: 'Event-loop delay since the previous scrape (perf_hooks.monitorEventLoopDelay), by statistic',
      labelNames: ['statistic'],
      registers: [registry],
      // Reset on every scrape, as prom-client's own lag metric does: each scrape covers its interval.
      collect() {
        for (const [statistic, percentile] of Object.entries(DELAY_STATISTICS)) {
          this.set({ statistic }, nanosToSeconds(delay.percentile(percentile)));
        }
        this.set({ statistic: 'max' }, nanosToSeconds(delay.max));
        delay.reset();
      },
    });
    const gcPauses = new Histogram({
      name: 'notifier_gc_pause_seconds',
      help: 'Garbage-collection pauses of this process, by kind (minor, major, incremental, weakcb)',
      labelNames: ['kind'],
      buckets: GC_PAUSE_BUCKETS,
      registers: [registry],
    });
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
        const kind = GC_KINDS[detail?.kind ?? -1] ?? 'unknown';
        gcPauses.observe({ kind }, entry.duration / 1000);
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.delay.enable();
  }

  stop(): void {
    this.gcObserver.disconnect();
    this.delay.disable();
  }
}

/**
 * The histogram records the whole interval between samples, so an idle loop shows the
 * resolution; the delay is what exceeds it. An empty histogram reports NaN: no delay.
 */
function nanosToSeconds(nanos: number): number {
  const late = nanos - DELAY_RESOLUTION_MS * 1e6;
  return Number.isFinite(late) && late > 0 ? late / 1e9 : 0;
}
