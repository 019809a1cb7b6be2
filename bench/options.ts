import { parseArgs } from 'node:util';

/** The notifier on each wal_level, and Nchan. */
export const SYSTEMS = ['logical', 'replica', 'nchan'] as const;
export type SystemName = (typeof SYSTEMS)[number];

/** Paced loads over the open streams, each run with the system's CPU metered. */
export const LOADS = ['latency', 'batched', 'low-rate'] as const;
export type LoadName = (typeof LOADS)[number];

export const SCENARIOS = ['streams', ...LOADS, 'storm', 'producers'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** `single`: one INSERT (or POST) per notification, each its own transaction; `batched`: unnest. */
export type ProducerMode = 'single' | 'batched';

/** The published run's sizes. */
const FULL = {
  /** Streams opened, over that many users, before the paced loads. */
  streams: 10_000,
  users: 1_000,
  loads: {
    latency: { rate: 2_000, seconds: 30, producer: 'single' as const },
    batched: { rate: 2_000, seconds: 20, producer: 'batched' as const },
    'low-rate': { rate: 100, seconds: 30, producer: 'single' as const },
  },
  /** How long deliveries may take after the last notification was sent, or a storm to resume. */
  timeoutMs: 60_000,
  /** Seconds of each plain-table run that gives the producers' share. */
  plainSeconds: 15,
  storm: { clients: 5_000, behind: 20 },
  /** pgbench, closed loop: the outbox against a plain table. */
  producers: { clients: 32, seconds: 5 },
  clientWorkers: 2,
  producerWorkers: 2,
};
export type Sizes = typeof FULL;
type PacedLoad = Sizes['loads'][LoadName];

/**
 * FULL at a smaller scale, for a smoke run or a test: as many users and storm clients per stream,
 * every load and timed run `seconds` long at `rate` at most, shorter timeouts.
 */
export function scaledDown(scale: { streams: number; rate: number; seconds: number }): Sizes {
  const { streams, rate, seconds } = scale;
  const perStream = (full: number) => Math.round((full * streams) / FULL.streams);
  const load = <L extends PacedLoad>(paced: L) => ({
    ...paced,
    seconds,
    rate: Math.min(paced.rate, rate),
  });
  const { latency, batched, 'low-rate': lowRate } = FULL.loads;
  return {
    ...FULL,
    streams,
    users: perStream(FULL.users),
    loads: { latency: load(latency), batched: load(batched), 'low-rate': load(lowRate) },
    timeoutMs: 15_000,
    plainSeconds: seconds,
    storm: { ...FULL.storm, clients: perStream(FULL.storm.clients) },
    producers: { ...FULL.producers, seconds },
  };
}

export type BenchOptions = ReturnType<typeof parseOptions>;

/**
 * `--quick`, `--runs=3`, `--systems=logical,nchan`, `--scenarios=latency,storm`, `--no-build`,
 * `--profile`, `--service-env=NAME=value`, `--rate=N` (the latency load's rate: a ceiling search).
 */
export function parseOptions(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string', default: '1' },
      systems: { type: 'string' },
      scenarios: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'service-env': { type: 'string', multiple: true, default: [] },
      rate: { type: 'string' },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs wants a count: ${values.runs}`);
  const serviceEnv: Record<string, string> = {};
  for (const pair of values['service-env']) {
    const [name, ...rest] = pair.split('=');
    if (!name || rest.length === 0) throw new Error(`--service-env wants NAME=value: ${pair}`);
    serviceEnv[name] = rest.join('=');
  }
  const sizes = values.quick ? scaledDown({ streams: 1_000, rate: 1_000, seconds: 3 }) : FULL;
  const rate = Number(values.rate ?? sizes.loads.latency.rate);
  if (!(rate > 0)) throw new Error(`--rate wants notifications per second: ${values.rate}`);
  const systems = listed(values.systems, SYSTEMS);
  const scenarios = listed(values.scenarios, SCENARIOS);
  return {
    quick: values.quick,
    runs,
    sizes: { ...sizes, loads: { ...sizes.loads, latency: { ...sizes.loads.latency, rate } } },
    systems,
    scenarios,
    build: !values['no-build'],
    /** V8 CPU profiles of the service, one file per start, under bench/results/local/. */
    profile: values.profile,
    /** More environment for the notifier. */
    serviceEnv,
    /** Full, every system and scenario, the service as configured by default: RESULTS.md. */
    published:
      !values.quick &&
      !values.profile &&
      values.rate === undefined &&
      values['service-env'].length === 0 &&
      SYSTEMS.every((name) => systems.includes(name)) &&
      SCENARIOS.every((name) => scenarios.includes(name)),
  };
}

function listed<T extends string>(value: string | undefined, known: readonly T[]): T[] {
  if (!value) return [...known];
  const names = value.split(',');
  const unknown = names.filter((name) => !known.includes(name as T));
  if (unknown.length)
    throw new Error(`unknown ${unknown.join(', ')}: choose from ${known.join(', ')}`);
  return names as T[];
}
