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
  profile: boolean;
  build: boolean;
}

const FULL: Omit<BenchOptions, 'systems' | 'profile' | 'build'> = {
  mode: 'full',
  latency: { streams: 10_000, users: 1_000, rate: 2_000, durationS: 30, drainTimeoutMs: 15_000 },
  throughput: {
    users: 1_000,
    rates: [2_000, 5_000, 10_000, 20_000, 30_000, 40_000],
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

/**
 * `--quick`, `--profile` (V8 CPU profiles of the service, notifier only), `--no-build`,
 * `--systems=notifier,nchan`.
 */
export function parseOptions(argv: string[]): BenchOptions {
  const flag = (name: string) => argv.includes(`--${name}`);
  const listed = argv.find((arg) => arg.startsWith('--systems='))?.slice('--systems='.length);
  const profile = flag('profile');
  const systems = listed ? listed.split(',') : profile ? ['notifier'] : ALL_SYSTEMS;
  const unknown = systems.filter((name) => !ALL_SYSTEMS.includes(name));
  if (unknown.length) throw new Error(`unknown systems: ${unknown.join(', ')}`);
  return { ...(flag('quick') ? QUICK : FULL), systems, profile, build: !flag('no-build') };
}
