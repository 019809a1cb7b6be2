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

export interface PacedLoad {
  rate: number;
  seconds: number;
  producer: ProducerMode;
}

export interface Sizes {
  /** Streams opened, over that many users, before the paced loads. */
  streams: number;
  users: number;
  loads: Record<LoadName, PacedLoad>;
  /** How long deliveries may take after the last notification was sent. */
  drainTimeoutMs: number;
  /** Seconds of each plain-table run that gives the producers' share. */
  plainSeconds: number;
  storm: { clients: number; behind: number; timeoutMs: number };
  /** pgbench, closed loop: the outbox against a plain table. */
  producers: { clients: number; seconds: number };
  clientWorkers: number;
  producerWorkers: number;
}

const FULL: Sizes = {
  streams: 10_000,
  users: 1_000,
  loads: {
    latency: { rate: 2_000, seconds: 30, producer: 'single' },
    batched: { rate: 2_000, seconds: 20, producer: 'batched' },
    'low-rate': { rate: 100, seconds: 30, producer: 'single' },
  },
  drainTimeoutMs: 60_000,
  plainSeconds: 15,
  storm: { clients: 5_000, behind: 20, timeoutMs: 60_000 },
  producers: { clients: 32, seconds: 5 },
  clientWorkers: 2,
  producerWorkers: 2,
};

const QUICK: Sizes = {
  ...FULL,
  streams: 1_000,
  users: 100,
  loads: {
    latency: { rate: 1_000, seconds: 3, producer: 'single' },
    batched: { rate: 1_000, seconds: 3, producer: 'batched' },
    'low-rate': { rate: 100, seconds: 3, producer: 'single' },
  },
  drainTimeoutMs: 15_000,
  plainSeconds: 2,
  storm: { clients: 300, behind: 20, timeoutMs: 15_000 },
  producers: { clients: 32, seconds: 2 },
};

export interface BenchOptions {
  quick: boolean;
  runs: number;
  sizes: Sizes;
  systems: SystemName[];
  scenarios: ScenarioName[];
  build: boolean;
  /** V8 CPU profiles of the service, one file per start, under bench/results/local/. */
  profile: boolean;
  /** More environment for the notifier (`--service-env=NAME=value`, repeatable). */
  serviceEnv: Record<string, string>;
  /** `--rate` set the latency load's rate: such a run is never published. */
  rateOverridden: boolean;
}

/**
 * `--quick`, `--runs=3`, `--systems=logical,nchan`, `--scenarios=latency,storm`, `--no-build`,
 * `--profile`, `--service-env=NAME=value`, `--rate=N` (the latency load's rate: a ceiling search).
 */
export function parseOptions(argv: string[]): BenchOptions {
  const known = /^--(quick|no-build|profile|(runs|systems|scenarios|service-env|rate)=.+)$/;
  const unknown = argv.filter((arg) => !known.test(arg));
  if (unknown.length) throw new Error(`unknown option ${unknown.join(' ')} (see bench/README.md)`);
  const value = (name: string) =>
    argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const runs = Number(value('runs') ?? 1);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs wants a count, not ${runs}`);
  const serviceEnv: Record<string, string> = {};
  for (const arg of argv.filter((candidate) => candidate.startsWith('--service-env='))) {
    const [name, ...rest] = arg.slice('--service-env='.length).split('=');
    if (!name || rest.length === 0) throw new Error(`--service-env wants NAME=value: ${arg}`);
    serviceEnv[name] = rest.join('=');
  }
  const sizes = argv.includes('--quick') ? QUICK : FULL;
  const rate = value('rate');
  if (rate !== undefined && !(Number(rate) > 0))
    throw new Error(`--rate wants a rate, not ${rate}`);
  return {
    quick: argv.includes('--quick'),
    runs,
    sizes: rate
      ? {
          ...sizes,
          loads: { ...sizes.loads, latency: { ...sizes.loads.latency, rate: Number(rate) } },
        }
      : sizes,
    systems: listed(value('systems'), SYSTEMS),
    scenarios: listed(value('scenarios'), SCENARIOS),
    build: !argv.includes('--no-build'),
    profile: argv.includes('--profile'),
    serviceEnv,
    rateOverridden: rate !== undefined,
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
