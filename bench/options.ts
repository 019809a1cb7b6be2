/** Sizes of every scenario; `--quick` is the under-two-minutes smoke run. */
export interface BenchOptions {
  mode: 'full' | 'quick';
  latency: {
    streams: number;
    users: number;
    rate: number;
    durationS: number;
    drainTimeoutMs: number;
  };
  throughput: { users: number; rates: number[]; stepS: number; drainTimeoutMs: number };
  storm: { clients: number; behind: number; timeoutMs: number };
  clientWorkers: number;
  producerWorkers: number;
  systems: string[];
  scenarios: ScenarioName[];
  profile: boolean;
  build: boolean;
  /** More environment for the notifier systems (`--service-env=OUTBOX_WAKE=poll`, repeatable). */
  serviceEnv: Record<string, string>;
}

const FULL: Omit<BenchOptions, 'systems' | 'scenarios' | 'profile' | 'build' | 'serviceEnv'> = {
  mode: 'full',
  latency: { streams: 10_000, users: 1_000, rate: 2_000, durationS: 30, drainTimeoutMs: 15_000 },
  throughput: {
    users: 1_000,
    rates: [2_000, 5_000, 10_000, 15_000, 20_000, 30_000, 40_000],
    stepS: 5,
    drainTimeoutMs: 10_000,
  },
  storm: { clients: 5_000, behind: 20, timeoutMs: 30_000 },
  clientWorkers: 2,
  producerWorkers: 2,
};

const QUICK: typeof FULL = {
  mode: 'quick',
  latency: { streams: 1_000, users: 100, rate: 1_000, durationS: 3, drainTimeoutMs: 3_000 },
  throughput: { users: 100, rates: [2_000, 5_000, 10_000], stepS: 2, drainTimeoutMs: 3_000 },
  storm: { clients: 300, behind: 20, timeoutMs: 5_000 },
  clientWorkers: 2,
  producerWorkers: 2,
};

export const ALL_SYSTEMS = ['notifier', 'notifier-2w', 'baseline', 'nchan'];
export const ALL_SCENARIOS = ['latency', 'throughput', 'storm'] as const;
export type ScenarioName = (typeof ALL_SCENARIOS)[number];

/**
 * `--quick`, `--profile` (V8 CPU profiles of the service, notifier only), `--no-build`,
 * `--systems=notifier,nchan`, `--scenarios=latency,storm`, `--service-env=NAME=value`.
 */
export function parseOptions(argv: string[]): BenchOptions {
  const flag = (name: string) => argv.includes(`--${name}`);
  const profile = flag('profile');
  const systems = listed(argv, 'systems', ALL_SYSTEMS, profile ? ['notifier'] : ALL_SYSTEMS);
  const scenarios = listed(argv, 'scenarios', ALL_SCENARIOS, ALL_SCENARIOS);
  const sizes = flag('quick') ? QUICK : FULL;
  const serviceEnv: Record<string, string> = {};
  for (const arg of argv.filter((candidate) => candidate.startsWith('--service-env='))) {
    const setting = arg.slice('--service-env='.length);
    const equals = setting.indexOf('=');
    if (equals < 1) throw new Error(`--service-env wants NAME=value, not ${setting}`);
    serviceEnv[setting.slice(0, equals)] = setting.slice(equals + 1);
  }
  return { ...sizes, systems, scenarios, profile, build: !flag('no-build'), serviceEnv };
}

function listed<T extends string>(
  argv: string[],
  name: string,
  known: readonly T[],
  fallback: readonly T[],
): T[] {
  const value = argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (!value) return [...fallback];
  const names = value.split(',');
  const unknown = names.filter((item) => !known.includes(item as T));
  if (unknown.length) throw new Error(`unknown ${name}: ${unknown.join(', ')}`);
  return names as T[];
}
