/**
 * A rolling restart of one of two instances under load: two built instances (as
 * `systems/notifier.ts` starts them) on one database, the clients spread over both; one gets
 * SIGTERM while notifications keep coming. A client whose stream ends reconnects at once to
 * the other instance with its Last-Event-ID, as it would behind a load balancer once the
 * first stops accepting. Measured, with SHUTDOWN_DRAIN_MS=0 and 5000: from SIGTERM until
 * every client of the stopped instance is reconnected on the other and holds everything
 * stamped before its reconnect; the peak of reconnects per 100 ms; the stopped instance's
 * exit time; and over the whole phase, nothing lost or duplicated.
 *
 *   ulimit -n "$(ulimit -Hn)"
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/rolling-restart.ts \
 *     [--clients=5000] [--repeats=3] [--drains=0,5000] [--stop=leader,follower] [--rate=1000] [--no-build]
 *
 * `--stop`: which instance gets the SIGTERM, the ingest leader or the other one (both, in turn).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nowUs } from './load/histogram';
import { LoadGenerator } from './load/load-generator';
import type { LatencySummary } from './load/histogram';
import type { FailoverTimes, Phase } from './load/protocol';
import { BenchPostgres, startBenchPostgres } from './postgres';
import { table } from './report/markdown';
import { RuntimeBreakdown, runtimeBreakdown } from './report/metrics-breakdown';
import { median, writeResultsSection } from './report/standalone';
import { round } from './scenarios/latency';
import { assertOpened, sleep, streamSpecs } from './scenarios/context';
import { listenDrops } from './scenarios/listen-drops';
import { NotifierSystem } from './systems/notifier';
import { freePort } from './systems/processes';

const ROOT = resolve(__dirname, '..');
const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const CLIENTS = Number(arg('clients', '5000'));
const REPEATS = Number(arg('repeats', '3'));
const DRAINS = arg('drains', '0,5000').split(',').map(Number);
const STOPS = arg('stop', 'leader,follower').split(',') as Stop[];
/** Notifications per second over all users, from before the SIGTERM until after the exit. */
const RATE = Number(arg('rate', '1000'));
/** Production runs this long before the SIGTERM, and this long after the drain time. */
const LEAD_MS = 2_000;
const TAIL_MS = 4_000;
const WAIT_MS = 30_000;
const WORKERS = 2;
const COMMAND =
  'ulimit -n "$(ulimit -Hn)"; node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/rolling-restart.ts' +
  process.argv
    .slice(2)
    .map((a) => ` ${a}`)
    .join('');

type Stop = 'leader' | 'follower';

interface RunFigures {
  drainMs: number;
  stop: Stop;
  clients: number;
  /** Clients of the stopped instance, and how many of them failed over. */
  movedClients: number;
  failedOver: number;
  reconnectFailures: number;
  /** SIGTERM → every moved client reconnected and caught up; null if any never was. */
  caughtUpS: number | null;
  /** SIGTERM → the last moved client's stream ended. */
  lastEndedS: number | null;
  peakReconnectsPer100ms: number;
  /** Per moved client: its stream's end → caught up on the other instance (ms). */
  gapP50Ms: number | null;
  gapMaxMs: number | null;
  /** Per moved client: its stream's end → the other instance's 200 (ms). */
  connectP50Ms: number | null;
  connectMaxMs: number | null;
  exitS: number;
  exit: number | string | null;
  /** SYNs the kernel dropped on full listen queues from the SIGTERM on (machine-wide). */
  listenDrops: number;
  reconnectRetries: number;
  firstReconnectError?: string;
  /** Commit → client over every delivery of the phase, both instances. */
  latency: LatencySummary;
  /** The staying instance's own /metrics over the phase: where its time went. */
  stayingRuntime: RuntimeBreakdown;
  produced: number;
  producerErrors: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
}

let nextPhase = 0;
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

async function main(): Promise<void> {
  if (!process.argv.includes('--no-build')) {
    log('building the service (npm run build)…');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
  const workDir = await mkdtemp(join(tmpdir(), 'notifier-rolling-restart-'));
  await chmod(workDir, 0o755);
  const postgres = await startBenchPostgres(join(workDir, 'pg'), await freePort());
  const loadAtStart = loadavg()[0];
  const runs: RunFigures[] = [];
  try {
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      // Interleaved, so that drift of the machine's load affects both alike.
      for (const stop of STOPS) {
        for (const drainMs of DRAINS) {
          const prefix = `rr${repeat}-${stop}-${drainMs}-u`;
          const figures = await restartOnce(postgres, drainMs, stop, prefix);
          log(`stop ${stop}, SHUTDOWN_DRAIN_MS=${drainMs}: ${JSON.stringify(figures)}`);
          runs.push(figures);
        }
      }
    }
  } finally {
    await postgres.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  await report(runs, loadAtStart);
}

async function restartOnce(
  postgres: BenchPostgres,
  drainMs: number,
  stop: Stop,
  userPrefix: string,
): Promise<RunFigures> {
  const options = { env: { SHUTDOWN_DRAIN_MS: String(drainMs) }, jwtSecret: randomHex() };
  const first = new NotifierSystem(await freePort(), postgres, options);
  const second = new NotifierSystem(await freePort(), postgres, options);
  const load = new LoadGenerator(WORKERS, WORKERS);
  try {
    // One after the other: the first creates the database and runs the migrations.
    await first.start('rolling-restart');
    await second.start('rolling-restart');
    const firstLeads = await leaderOf(first, second);
    const [stopping, staying] =
      firstLeads === (stop === 'leader') ? [first, second] : [second, first];
    const specs = streamSpecs(stopping, userPrefix, CLIENTS, CLIENTS);
    assertOpened(
      await load.open(
        stopping.port,
        specs.filter((_, i) => i % 2 === 0),
      ),
    );
    assertOpened(
      await load.open(
        staying.port,
        specs.filter((_, i) => i % 2 === 1),
      ),
    );
    await sleep(500);
    const produce = (phase: Phase, rate: number) =>
      load.produce({
        target: stopping.producer(),
        phase,
        rate,
        userPrefix,
        producers: WORKERS,
        connections: 2,
        maxBatch: rate > 0 ? 50 : 500,
      });

    // One event each first, so that every client has a Last-Event-ID to resume from.
    const marker = phaseOf(CLIENTS);
    await load.startPhase(marker);
    await produce(marker, 0);
    const seen = await load.awaitPhase(WAIT_MS);
    if (seen.lost > 0) throw new Error(`setup: ${seen.lost} marker events never arrived`);

    const phase = phaseOf(Math.round((RATE * (LEAD_MS + drainMs + TAIL_MS)) / 1000));
    await load.startPhase(phase);
    const movedClients = await load.failover(stopping.port, staying.port);
    const metricsBefore = { metricsText: await staying.metricsText!() };
    const producing = produce(phase, RATE);
    await sleep(LEAD_MS);
    const dropsBefore = await listenDrops();
    const sigtermUs = nowUs();
    await stopping.stop();
    const exitS = round((nowUs() - sigtermUs) / 1e6, 3);
    const produced = await producing;
    const outcome = await load.awaitPhase(WAIT_MS);
    const stayingRuntime = runtimeBreakdown(metricsBefore, {
      metricsText: await staying.metricsText!(),
    });
    const ended = await allReconnected(load, movedClients);
    const drops = (await listenDrops()) - dropsBefore;
    const figures = failoverFigures(ended, movedClients, sigtermUs);
    return {
      drainMs,
      stop,
      clients: CLIENTS,
      movedClients,
      failedOver: ended.length,
      reconnectFailures: movedClients - ended.filter((t) => t.reconnectedAtUs).length,
      ...figures,
      // Caught up means nothing missing: not so while anything of the phase was lost.
      caughtUpS: outcome.lost === 0 ? figures.caughtUpS : null,
      exitS,
      exit: stopping.exit,
      listenDrops: drops,
      reconnectRetries: ended.reduce((sum, t) => sum + t.retries, 0),
      firstReconnectError: ended.find((t) => t.lastError)?.lastError,
      latency: outcome.histogram.summary(),
      stayingRuntime,
      produced: produced.sent,
      producerErrors: produced.errors,
      expected: outcome.expected,
      delivered: outcome.delivered,
      lost: outcome.lost,
      duplicates: outcome.duplicates + outcome.misrouted,
    };
  } finally {
    await load.close();
    await first.stop();
    await second.stop();
  }
}

/** Whether the first instance leads ingestion, once exactly one of the two does. */
async function leaderOf(first: NotifierSystem, second: NotifierSystem): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const [a, b] = await Promise.all([first.adminStats(), second.adminStats()]);
    if (a.ingestLeader !== b.ingestLeader) return a.ingestLeader === true;
    await sleep(100);
  }
  throw new Error('no single ingest leader within 10 s');
}

/** The moved streams, once each is reconnected or gave up (a dropped SYN waits 1, 3, 7 s…). */
async function allReconnected(load: LoadGenerator, moved: number): Promise<FailoverTimes[]> {
  for (let attempt = 0; ; attempt++) {
    const { ended } = await load.failovers();
    const settled = ended.filter((t) => t.reconnectedAtUs !== undefined || t.gaveUp).length;
    if ((ended.length === moved && settled === moved) || attempt >= 150) return ended;
    await sleep(200);
  }
}

function phaseOf(total: number): Phase {
  return { phase: ++nextPhase, users: CLIENTS, total };
}

const randomHex = () => randomBytes(32).toString('hex');

function failoverFigures(
  ended: FailoverTimes[],
  moved: number,
  sigtermUs: number,
): Pick<
  RunFigures,
  | 'caughtUpS'
  | 'lastEndedS'
  | 'peakReconnectsPer100ms'
  | 'gapP50Ms'
  | 'gapMaxMs'
  | 'connectP50Ms'
  | 'connectMaxMs'
> {
  const sinceSigtermS = (us: number) => round((us - sigtermUs) / 1e6, 3);
  const perWindow = new Map<number, number>();
  for (const { endedAtUs } of ended) {
    const window = Math.floor((endedAtUs - sigtermUs) / 100_000);
    perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
  }
  const caughtUp = ended.flatMap((t) => (t.caughtUpAtUs === undefined ? [] : [t]));
  const gaps = caughtUp.map((t) => (t.caughtUpAtUs! - t.endedAtUs) / 1000);
  const connects = caughtUp.map((t) => (t.reconnectedAtUs! - t.endedAtUs) / 1000);
  const complete = moved > 0 && caughtUp.length === moved;
  return {
    caughtUpS: complete ? sinceSigtermS(Math.max(...caughtUp.map((t) => t.caughtUpAtUs!))) : null,
    lastEndedS: ended.length ? sinceSigtermS(Math.max(...ended.map((t) => t.endedAtUs))) : null,
    peakReconnectsPer100ms: Math.max(0, ...perWindow.values()),
    gapP50Ms: gaps.length ? round(median(gaps), 1) : null,
    gapMaxMs: gaps.length ? round(Math.max(...gaps), 1) : null,
    connectP50Ms: connects.length ? round(median(connects), 1) : null,
    connectMaxMs: connects.length ? round(Math.max(...connects), 1) : null,
  };
}

async function report(runs: RunFigures[], loadAtStart: number): Promise<void> {
  const at = new Date().toISOString();
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}`;
  const loadAtEnd = loadavg()[0];
  const groups = STOPS.flatMap((stop) =>
    DRAINS.map((drainMs) => runs.filter((r) => r.stop === stop && r.drainMs === drainMs)),
  ).filter((group) => group.length > 0);
  const show = (group: RunFigures[], value: (r: RunFigures) => number | null) => {
    const values = group.map(value);
    if (values.some((v) => v === null))
      return `never (${values.filter((v) => v === null).length} of ${values.length})`;
    return String(round(median(values as number[]), 3));
  };
  const sum = (group: RunFigures[], value: (r: RunFigures) => number) =>
    String(group.reduce((total, r) => total + value(r), 0));
  const rows = groups.map((group) => [
    group[0].stop,
    String(group[0].drainMs),
    show(group, (r) => r.caughtUpS),
    show(group, (r) => r.lastEndedS),
    show(group, (r) => r.peakReconnectsPer100ms),
    show(group, (r) => r.connectP50Ms),
    show(group, (r) => r.gapP50Ms),
    show(group, (r) => r.gapMaxMs),
    show(group, (r) => r.exitS),
    show(group, (r) => r.latency.p99Ms),
    sum(group, (r) => r.lost),
    sum(group, (r) => r.duplicates),
    sum(group, (r) => r.reconnectRetries),
    sum(group, (r) => r.reconnectFailures),
    sum(group, (r) => r.listenDrops),
  ]);
  const header = [
    'stopped',
    'SHUTDOWN_DRAIN_MS',
    'all moved clients caught up (s)',
    'last stream ended (s)',
    'peak reconnects / 100 ms',
    'end → reconnected p50 (ms)',
    'end → caught up p50 (ms)',
    'end → caught up max (ms)',
    'exit (s)',
    'latency p99, all (ms)',
    'lost',
    'duplicates',
    'reconnect retries',
    'reconnect failures',
    'listen drops',
  ];
  const summary = table(header, rows);
  process.stdout.write(`\n${summary}\n\n`);
  const repeats = Math.max(...groups.map((group) => group.length));
  await mkdir(resolve(__dirname, 'results/local'), { recursive: true });
  await writeFile(
    resolve(__dirname, 'results/local/rolling-restart.json'),
    `${JSON.stringify({ at, command: COMMAND, machine, loadAtStart, loadAtEnd, rate: RATE, runs }, null, 2)}\n`,
  );
  const exits = [...new Set(runs.map((r) => String(r.exit)))].join(', ');
  await writeResultsSection('rolling-restart', [
    '## Rolling restart: one of two instances stopped under load',
    '',
    `Run ${at} with \`${COMMAND}\`:`,
    `two built instances on one database, ${CLIENTS} SSE clients (one per user) spread over both,`,
    `${RATE} notifications/s produced from ${LEAD_MS / 1000} s before the SIGTERM of one instance (the`,
    `ingest leader, or the other) until ${TAIL_MS / 1000} s after its drain time. A client whose stream`,
    'ends reconnects at once to the other instance with its Last-Event-ID (no `retry:` wait: the',
    'worst case for the other instance). Times are from the SIGTERM; "caught up" is holding every',
    'notification stamped before its reconnect; lost and duplicates are counted over every client',
    `and the whole phase. Median of ${repeats} (counts: sum); ${machine}, load average`,
    `${loadAtStart.toFixed(2)} at the start, ${loadAtEnd.toFixed(2)} at the end; the stopped instance exited with ${exits}.`,
    '',
    summary,
  ]);
  log('results: bench/results/local/rolling-restart.json, bench/RESULTS.md');
}

main().catch((error: Error) => {
  process.stderr.write(`rolling-restart failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
