import { nowUs } from '../load/histogram';
import { assertOpened, ScenarioContext, sleep, streamSpecs, withLoad } from './context';
import { round } from './latency';

export interface ThroughputStep {
  offeredRate: number;
  /** What the producers actually inserted per second. */
  producedRate: number;
  /** Notifications delivered per second, from the first INSERT to the last delivery. */
  deliveredRate: number;
  p50Ms: number;
  p99Ms: number;
  lost: number;
  duplicates: number;
  passed: boolean;
}

export interface ThroughputResult {
  users: number;
  stepS: number;
  steps: ThroughputStep[];
  /** Highest produced rate of a passing step (p99 < 1 s, nothing lost, producers kept up). */
  bestRate: number;
  /**
   * The last step failed only because the load generator could not produce the offered
   * rate: the system's true figure is above `bestRate`, unknown by how much.
   */
  producerLimited: boolean;
}

const P99_LIMIT_MS = 1_000;
const KEEP_UP = 0.95;

/** Raises the rate step by step over one stream per user until a step fails. */
export async function runThroughput(context: ScenarioContext): Promise<ThroughputResult> {
  const { system, options, log } = context;
  const { users, rates, stepS, drainTimeoutMs } = options.throughput;
  return withLoad(options, async (load) => {
    assertOpened(await load.open(system.port, streamSpecs(system, 'tp-u', users, users)));
    await sleep(1_000);
    await context.markLoadStart();
    const steps: ThroughputStep[] = [];
    for (const rate of rates) {
      const phase = context.nextPhase(users, rate * stepS);
      await load.startPhase(phase);
      log(`throughput step: ${rate}/s for ${stepS} s…`);
      const startedUs = nowUs();
      const produced = await load.produce({
        target: system.producer(),
        phase,
        rate,
        userPrefix: 'tp-u',
        producers: options.producerWorkers,
        // Nchan takes one message per POST, so HTTP producers need many requests in flight.
        connections: system.producer().kind === 'http' ? 32 : 4,
        maxBatch: 500,
      });
      const outcome = await load.awaitPhase(drainTimeoutMs);
      const summary = outcome.histogram.summary();
      const endUs = outcome.completedAtUs ?? nowUs();
      const producedRate = Math.round(produced.sent / (produced.elapsedMs / 1000));
      const step: ThroughputStep = {
        offeredRate: rate,
        producedRate,
        deliveredRate: Math.round(outcome.delivered / ((endUs - startedUs) / 1e6)),
        p50Ms: summary.p50Ms,
        p99Ms: summary.p99Ms,
        lost: outcome.lost,
        duplicates: outcome.duplicates + outcome.misrouted,
        passed:
          summary.p99Ms < P99_LIMIT_MS &&
          outcome.lost === 0 &&
          outcome.duplicates + outcome.misrouted === 0 &&
          produced.errors === 0 &&
          producedRate >= rate * KEEP_UP,
      };
      steps.push(step);
      log(
        `  produced ${producedRate}/s, delivered ${step.deliveredRate}/s, p99 ${step.p99Ms} ms, ` +
          `lost ${step.lost}: ${step.passed ? 'pass' : 'FAIL'}`,
      );
      if (!step.passed) break;
      await sleep(500);
    }
    const best = Math.max(
      0,
      ...steps.filter((step) => step.passed).map((step) => step.producedRate),
    );
    const last = steps[steps.length - 1];
    const producerLimited =
      !last.passed &&
      last.p99Ms < P99_LIMIT_MS &&
      last.lost === 0 &&
      last.producedRate < last.offeredRate * KEEP_UP;
    return { users, stepS, steps, bestRate: round(best, 0), producerLimited };
  });
}
