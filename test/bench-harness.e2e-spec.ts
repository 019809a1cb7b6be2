import type { BenchReport, SystemFigures } from '../bench/figures';
import { scaledDown } from '../bench/options';
import { PG_KINDS } from '../bench/postgres';
import { reportMarkdown } from '../bench/report';
import { benchSystem } from '../bench/scenarios';
import { NotifierSystem } from '../bench/systems';
import { freePort } from './support/free-port';
import { useDatabase } from './support/notifier-fixture';

/**
 * `npm run bench` in miniature against the real service: its figures must add up (every
 * notification delivered once, latency measured, the CPU split summing to its total) and reach
 * the report. Timings are printed by the bench, never asserted here.
 */
const TINY = {
  ...scaledDown({ streams: 20, rate: 200, seconds: 1 }),
  clientWorkers: 1,
  producerWorkers: 1,
};

describe('the bench against the service', () => {
  const { database } = useDatabase();
  let figures: SystemFigures;
  let report: BenchReport;
  let markdown: string;

  beforeAll(async () => {
    const system = new NotifierSystem(await freePort(), database.url, {
      command: [
        ...['-r', require.resolve('ts-node/register/transpile-only')],
        ...['-r', require.resolve('tsconfig-paths/register')],
        'apps/notifier/src/main.ts',
      ],
    });
    const scenarios = ['streams', 'latency', 'batched', 'low-rate', 'storm'] as const;
    figures = await benchSystem(system, { sizes: TINY, scenarios, log: () => {} });
    report = {
      runId: 'spec',
      command: 'npm run bench',
      commit: 'spec',
      node: process.version,
      postgres: 'PostgreSQL',
      machine: 'this one',
      loadAverage: { start: 0, end: 0 },
      quick: true,
      runs: [{ logical: figures }],
      skipped: {},
    };
    markdown = reportMarkdown(report);
  }, 240_000); // two ts-node starts of the service, each up to 30 s on a busy machine

  it('runs every scenario without an error', () => {
    expect(figures.errors).toEqual([]);
  });

  it('delivers every notification of every load once to every stream of its user', () => {
    for (const name of ['latency', 'batched', 'low-rate'] as const) {
      const { rate, seconds } = TINY.loads[name];
      expect(figures.loads[name]).toMatchObject({
        sent: rate * seconds,
        producerErrors: 0,
        lost: 0,
        duplicates: 0,
      });
    }
  });

  it('measures the latency of each load from the time each notification was due', () => {
    for (const load of Object.values(figures.loads)) {
      expect(load.p50Ms).toBeGreaterThan(0);
      expect(load.p99Ms).toBeGreaterThanOrEqual(load.p50Ms);
      expect(load.maxMs).toBeGreaterThanOrEqual(load.p99Ms);
    }
  });

  it('splits the CPU per notification between the service and each kind of Postgres process', () => {
    for (const { cpu } of Object.values(figures.loads)) {
      const kinds = PG_KINDS.reduce((sum, kind) => sum + cpu.postgres![kind], 0);
      expect(cpu.postgresTotal).toBeCloseTo(kinds, 2);
      expect(cpu.total).toBeCloseTo(cpu.service + cpu.postgresTotal, 3);
      expect(cpu.service).toBeGreaterThan(0);
      // The producers' commits are Postgres work too, counted in their own backends.
      expect(cpu.postgres!.producers).toBeGreaterThan(0);
      expect(cpu.producersShare).toBeGreaterThan(0);
      expect(cpu.rest).toBeCloseTo(cpu.total - cpu.producersShare!, 3);
    }
  });

  it('replays everything missed, once, when every stream reconnects at once', () => {
    expect(figures.storm).toMatchObject({ lost: 0, duplicates: 0, reconnectFailures: 0 });
    expect(figures.storm!.catchUpS).toBeGreaterThan(0);
  });

  it('meters the CPU the service and Postgres spend per client the storm resumed', () => {
    expect(figures.storm!.cpu!.service).toBeGreaterThan(0);
    expect(figures.storm!.cpu!.postgres).toBeGreaterThan(0);
  });

  it('times the opening of the streams and reads the memory they hold', () => {
    expect(figures.open!.streams).toBe(TINY.streams);
    expect(figures.open!.perS).toBeGreaterThan(0);
    expect(figures.memory!.afterKiB).toBeGreaterThan(0);
  });

  it('puts the figures in the report', () => {
    const { latency } = figures.loads;
    expect(markdown).toContain(`| latency p99 (ms) | ${latency!.p99Ms} |`);
    expect(markdown).toContain(`| lost, all scenarios | 0 |`);
    expect(markdown).toContain(`| logical: latency | ${latency!.sentPerS} |`);
  });

  it('leaves out of the report the figures of scenarios a run did not include', () => {
    const latencyOnly: SystemFigures = {
      ...figures,
      mode: 'wal', // as run.ts records what the service chose
      loads: { latency: figures.loads.latency },
      storm: undefined,
    };
    const partial = reportMarkdown({ ...report, runs: [{ logical: latencyOnly }] });

    expect(partial).toContain(`| latency p99 (ms) | ${latencyOnly.loads.latency!.p99Ms} |`);
    expect(partial).not.toContain('undefined');
    expect(partial).not.toMatch(/storm: |batched producer at /);
  });
});
