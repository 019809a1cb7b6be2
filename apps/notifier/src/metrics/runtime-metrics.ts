import { constants, createHistogram, performance, PerformanceObserver } from 'node:perf_hooks';
import type { PerformanceEntry, RecordableHistogram } from 'node:perf_hooks';
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

type DelayStatistic = 'p50' | 'p99' | 'max';

/**
 * Event-loop delay and GC pauses of this process: the two things that hold every stream's
 * write back at once, and so what a latency tail is checked against first.
 */
export class RuntimeMetrics {
  private readonly delay = new LoopDelaySampler();
  private readonly gcObserver: PerformanceObserver;

  constructor(registry: Registry) {
    const delay = this.delay;
    new Gauge({
      name: 'notifier_event_loop_delay_seconds',
      help: 'Event-loop delay since the previous scrape (perf_hooks.monitorEventLoopDelay), by statistic',
      labelNames: ['statistic'],
      registers: [registry],
      // Over a cluster's workers: the worst one's, since a lagging worker delays its streams.
      aggregator: 'max',
      // Each scrape covers the interval since the previous one.
      collect() {
        for (const [statistic, seconds] of Object.entries(delay.take())) {
          this.set({ statistic }, seconds);
        }
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
    this.delay.start();
  }

  stop(): void {
    this.gcObserver.disconnect();
    this.delay.stop();
  }
}

/**
 * How late a timer of DELAY_RESOLUTION_MS fires, sample by sample. Not monitorEventLoopDelay:
 * its reset() also forgets when it last sampled, so the first interval after each scrape is
 * never recorded, and a block that starts right after a scrape goes unseen.
 */
class LoopDelaySampler {
  /** Nanoseconds late, at least 1 (a histogram records positive integers). */
  private readonly late: RecordableHistogram = createHistogram();
  private timer?: NodeJS.Timeout;
  private sampledAt = 0;

  start(): void {
    this.sampledAt = performance.now();
    this.timer = setInterval(() => this.sample(), DELAY_RESOLUTION_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The delays sampled since the previous call, in seconds (0 when none), then forgets them. */
  take(): Record<DelayStatistic, number> {
    const { late } = this;
    const seconds = (nanos: number) => (late.count > 0 && nanos > 1 ? nanos / 1e9 : 0);
    const taken = {
      p50: seconds(late.percentile(50)),
      p99: seconds(late.percentile(99)),
      max: seconds(late.max),
    };
    late.reset();
    return taken;
  }

  private sample(): void {
    const now = performance.now();
    const lateMs = now - this.sampledAt - DELAY_RESOLUTION_MS;
    this.sampledAt = now;
    this.late.record(Math.max(1, Math.round(lateMs * 1e6)));
  }
}
