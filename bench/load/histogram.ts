/**
 * Latency histogram in microseconds: 10 µs buckets up to 1 s, then 1 ms buckets up to 2 min.
 * Fixed buckets keep recording O(1) and let workers ship a sparse copy to the parent.
 */
const FINE_US = 10;
const FINE_LIMIT_US = 1_000_000;
const COARSE_US = 1_000;
const FINE_BUCKETS = FINE_LIMIT_US / FINE_US;
const BUCKETS = FINE_BUCKETS + 120_000;

export type SparseHistogram = [bucket: number, count: number][];

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class Histogram {
  private counts = new Uint32Array(BUCKETS);
  count = 0;
  maxUs = 0;

  record(us: number): void {
    const value = us < 0 ? 0 : us;
    const bucket =
      value < FINE_LIMIT_US
        ? Math.floor(value / FINE_US)
        : Math.min(BUCKETS - 1, FINE_BUCKETS + Math.floor((value - FINE_LIMIT_US) / COARSE_US));
    this.counts[bucket]++;
    this.count++;
    if (value > this.maxUs) this.maxUs = value;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.maxUs = 0;
  }

  toSparse(): SparseHistogram {
    const sparse: SparseHistogram = [];
    this.counts.forEach((count, bucket) => count && sparse.push([bucket, count]));
    return sparse;
  }

  merge(sparse: SparseHistogram, maxUs: number): void {
    for (const [bucket, count] of sparse) {
      this.counts[bucket] += count;
      this.count += count;
    }
    if (maxUs > this.maxUs) this.maxUs = maxUs;
  }

  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      count: this.count,
      p50Ms: ms(this.percentileUs(0.5)),
      p99Ms: ms(this.percentileUs(0.99)),
      maxMs: ms(this.maxUs),
    };
  }

  /** Upper edge of the bucket holding the quantile, capped by the exact maximum. */
  private percentileUs(quantile: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(quantile * this.count);
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.counts[bucket];
      if (seen >= rank) return Math.min(this.maxUs, upperEdgeUs(bucket));
    }
    return this.maxUs;
  }
}

function upperEdgeUs(bucket: number): number {
  if (bucket < FINE_BUCKETS) return (bucket + 1) * FINE_US;
  return FINE_LIMIT_US + (bucket - FINE_BUCKETS + 1) * COARSE_US;
}

/** CLOCK_MONOTONIC in µs: the same clock in every process of the machine. */
export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
