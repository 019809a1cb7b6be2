import type { LatencySummary } from '../load/histogram';
import { assertOpened, ScenarioContext, sleep, streamSpecs, withLoad } from './context';

export interface MemoryResult {
  streams: number;
  beforeKiB: number;
  afterKiB: number;
  kibPerConnection: number;
}

export interface LatencyResult extends LatencySummary {
  streams: number;
  users: number;
  rate: number;
  durationS: number;
  sent: number;
  producerErrors: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
}

/**
 * Memory and latency share one setup: memory is read before and after the idle streams
 * open, then those same streams receive `rate` notifications/s for `durationS`.
 */
export async function runLatency(
  context: ScenarioContext,
): Promise<{ memory: MemoryResult; latency: LatencyResult }> {
  const { system, options, log } = context;
  const { streams, users, rate, durationS, drainTimeoutMs } = options.latency;
  return withLoad(options, async (load) => {
    await sleep(1_000);
    const beforeKiB = await system.memoryKiB();
    log(`opening ${streams} streams over ${users} users…`);
    assertOpened(await load.open(system.port, streamSpecs(system, 'lat-u', users, streams)));
    await sleep(2_000);
    const afterKiB = await system.memoryKiB();
    const memory = {
      streams,
      beforeKiB,
      afterKiB,
      kibPerConnection: round((afterKiB - beforeKiB) / streams),
    };
    log(`memory: ${beforeKiB} KiB → ${afterKiB} KiB (${memory.kibPerConnection} KiB/stream)`);

    const phase = context.nextPhase(users, rate * durationS);
    await context.markLoadStart();
    await load.startPhase(phase);
    log(`producing ${phase.total} notifications at ${rate}/s for ${durationS} s…`);
    const produced = await load.produce({
      target: system.producer(),
      phase,
      rate,
      userPrefix: 'lat-u',
      producers: options.producerWorkers,
      connections: 2,
      maxBatch: 50,
    });
    const outcome = await load.awaitPhase(drainTimeoutMs);
    const latency: LatencyResult = {
      ...outcome.histogram.summary(),
      streams,
      users,
      rate,
      durationS,
      sent: produced.sent,
      producerErrors: produced.errors,
      expected: outcome.expected,
      delivered: outcome.delivered,
      lost: outcome.lost,
      duplicates: outcome.duplicates + outcome.misrouted,
    };
    log(
      `latency p50 ${latency.p50Ms} ms, p90 ${latency.p90Ms}, p99 ${latency.p99Ms}, max ${latency.maxMs}; ` +
        `lost ${latency.lost}, duplicates ${latency.duplicates}`,
    );
    return { memory, latency };
  });
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
