import type { LoadFigures, SystemFigures } from '../figures';
import { nowUs } from '../load/histogram';
import type { LoadName } from '../options';
import { memoryKiB } from '../systems/processes';
import {
  assertOpened,
  cpuWindow,
  round,
  ScenarioContext,
  SHAPES,
  sleep,
  streamSpecs,
} from './context';

const USER_PREFIX = 'u';

/** Opens the streams (timed), and reads the memory they hold once idle. */
export async function openStreams(
  context: ScenarioContext,
): Promise<Pick<SystemFigures, 'open' | 'memory'>> {
  const { system, sizes, load, log } = context;
  await sleep(1_000);
  const beforeKiB = await memoryKiB(system.pid());
  const specs = streamSpecs(system, USER_PREFIX, sizes.users, sizes.streams);
  const startUs = nowUs();
  const opened = await load.open(system.port, specs);
  const seconds = (nowUs() - startUs) / 1e6;
  assertOpened(opened);
  await sleep(2_000);
  const afterKiB = await memoryKiB(system.pid());
  const perStreamKiB = round((afterKiB - beforeKiB) / sizes.streams);
  log(`${sizes.streams} streams opened in ${round(seconds, 3)} s; ${perStreamKiB} KiB each, idle`);
  return {
    open: {
      streams: sizes.streams,
      perS: Math.round(sizes.streams / seconds),
      failed: opened.failed,
    },
    memory: { beforeKiB, afterKiB, perStreamKiB },
  };
}

/** One paced load over the open streams, CPU metered from the first send to the last delivery. */
export async function pacedLoad(context: ScenarioContext, name: LoadName): Promise<LoadFigures> {
  const { system, sizes, load, log } = context;
  const { rate, seconds, producer } = sizes.loads[name];
  const shape = SHAPES[producer];
  await load.connectProducers(system.producer(), shape.lanes);
  const phase = context.nextPhase(sizes.users, rate * seconds);
  await load.startPhase(phase);
  log(`${name}: ${phase.total} notifications at ${rate}/s, producer ${producer}…`);
  const startUs = nowUs();
  const endWindow = await cpuWindow([system.pid()], load, context.meter);
  const produced = await load.produce(phase, rate, shape, USER_PREFIX);
  const outcome = await load.awaitPhase(sizes.drainTimeoutMs);
  const { cpu, statements } = await endWindow(produced.sent);
  const windowS = round((nowUs() - startUs) / 1e6, 3);
  await load.closeProducers();
  const latency = outcome.histogram.summary();
  const figures: LoadFigures = {
    rate,
    producer,
    sent: produced.sent,
    sentPerS: Math.round(produced.sent / (produced.elapsedMs / 1000)),
    producerErrors: produced.errors,
    windowS,
    lost: outcome.lost,
    duplicates: outcome.duplicates,
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    maxMs: latency.maxMs,
    sendWaitP99Ms: produced.wait.p99Ms,
    cpu,
    statements,
  };
  if (produced.firstError) log(`${name}: producers failed: ${produced.firstError}`);
  log(
    `${name}: sent ${figures.sentPerS}/s, p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, ` +
      `lost ${outcome.lost}, duplicates ${outcome.duplicates}; CPU per notification: ` +
      `service ${cpu.service} ms, Postgres ${cpu.postgresTotal} ms`,
  );
  return figures;
}
