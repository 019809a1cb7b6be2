import type { RunResults, SystemResults } from '../run-results';
import type { Quantiles } from './metrics-breakdown';

const OURS = 'notifier';
const PEERS = ['nchan', 'baseline'];
/** Our other configurations: shown next to ours, compared with nobody. */
const VARIANTS = ['notifier-2w'];

type Metric = {
  label: string;
  value: (s: SystemResults) => number | null | undefined;
  /** The figure is a lower bound. */
  atLeast?: (s: SystemResults) => boolean;
};

const METRICS: Metric[] = [
  { label: 'latency p50 (ms)', value: (s) => s.latency?.p50Ms },
  { label: 'latency p90 (ms)', value: (s) => s.latency?.p90Ms },
  { label: 'latency p99 (ms)', value: (s) => s.latency?.p99Ms },
  { label: 'latency max (ms)', value: (s) => s.latency?.maxMs },
  { label: 'latency: lost', value: (s) => s.latency?.lost },
  { label: 'latency: duplicates', value: (s) => s.latency?.duplicates },
  {
    label: 'throughput, p99 < 1 s (notifications/s; ≥: our producers were the limit)',
    value: (s) => s.throughput?.bestRate,
    atLeast: (s) => s.throughput?.producerLimited === true,
  },
  { label: 'memory per idle stream (KiB)', value: (s) => s.memory?.kibPerConnection },
  { label: 'memory before streams (KiB)', value: (s) => s.memory?.beforeKiB },
  { label: 'memory with idle streams (KiB)', value: (s) => s.memory?.afterKiB },
  { label: 'storm catch-up (s)', value: (s) => s.storm?.catchUpS },
  { label: 'storm: lost', value: (s) => s.storm?.lost },
  { label: 'storm: SQL statements', value: (s) => s.storm?.sqlStatements },
  { label: 'storm: SYNs dropped on a full listen queue', value: (s) => s.storm?.listenDrops },
];

/** RESULTS.md: one table of every figure, ours next to each peer with the ratio. */
export function resultsMarkdown(results: RunResults, charts: string[], chartDir: string): string {
  const systems = [OURS, ...VARIANTS, ...PEERS].filter((name) => results.systems[name]);
  const peers = PEERS.filter((name) => results.systems[name]);
  const header = ['scenario', ...systems, ...peers.map((peer) => `${OURS} / ${peer}`)];
  const rows = METRICS.map((metric) => {
    const values = systems.map((name) => {
      const shown = show(metric.value(results.systems[name]));
      return metric.atLeast?.(results.systems[name]) ? `≥ ${shown}` : shown;
    });
    const ours = metric.value(results.systems[OURS] ?? { version: '', errors: [] });
    // Dividing by a peer's lower bound gives an upper bound on our ratio.
    const ratios = peers.map((peer) => {
      const shown = ratio(ours, metric.value(results.systems[peer]));
      return metric.atLeast?.(results.systems[peer]) && shown !== '–' ? `≤ ${shown}` : shown;
    });
    return [metric.label, ...values, ...ratios];
  });
  return [
    `# Benchmark results`,
    '',
    `Run \`${results.runId}\` (${results.mode}), ${results.date}. Reproduce with \`${results.command}\`.`,
    '',
    machineLines(results),
    '',
    table(header, rows),
    '',
    scenarioNotes(results),
    '',
    timeBreakdown(results),
    '',
    throughputSteps(results),
    '',
    stormStatements(results),
    '',
    ...problems(results),
    ...profileSections(results),
    ...charts.map((chart) => `![${chart}](${chartDir}${chart})`),
    '',
  ].join('\n');
}

function machineLines({ machine, systems }: RunResults): string {
  return [
    `- Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, Linux ${machine.kernel}; ` +
      `the load generator runs on the same machine.`,
    `- ${machine.postgres}; Node ${machine.node}.`,
    `- 1-minute load average when the run started: ${machine.loadAverageAtStart.toFixed(2)}` +
      (machine.loadAverageAtStart > 0.5
        ? ' (other work was running: figures are pessimistic and noisy).'
        : '.'),
    ...Object.entries(systems).map(([name, s]) => `- ${name}: ${s.version}`),
  ].join('\n');
}

function scenarioNotes(results: RunResults): string {
  const any = Object.values(results.systems);
  const latency = any.find((s) => s.latency)?.latency;
  const storm = any.find((s) => s.storm)?.storm;
  const throughput = any.find((s) => s.throughput)?.throughput;
  return [
    '## Scenarios',
    '',
    latency
      ? `- **Latency**: ${latency.streams} open streams over ${latency.users} users; ${latency.rate} notifications/s ` +
        `for ${latency.durationS} s, each delivered to every stream of its user. Latency is from the producer's ` +
        `stamp (taken just before the INSERT or POST that carries it, CLOCK_MONOTONIC) to the client parsing it.`
      : '',
    latency
      ? `- **Memory**: RSS of the service (nginx: PSS summed over master and workers) before and after opening ` +
        `those ${latency.streams} idle streams, divided by the stream count.`
      : '',
    throughput
      ? `- **Throughput**: one stream per user (${throughput.users} users); the offered rate rises in ` +
        `${throughput.stepS} s steps; producers insert in parallel transactions of up to 500 rows. The figure is ` +
        `the highest produced rate whose p99 stayed under 1 s with nothing lost.`
      : '',
    storm
      ? `- **Reconnect storm**: ${storm.clients} clients (one per user), each ${storm.behind} events behind, ` +
        `reconnect at once with Last-Event-ID; time until the last one holds everything it missed. SQL ` +
        `statements are pg_stat_statements calls in the system's database during the storm.`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * Where a notification's time goes, per scenario: the service's histograms over the load
 * (created_at is the producer transaction's start, so "ingest" includes its commit), the
 * harness's end-to-end figure, and what holds the event loop back. Differences of medians are
 * estimates, marked ≈.
 */
function timeBreakdown(results: RunResults): string {
  const pair = (q?: Quantiles) => (q ? `${q.p50Ms} / ${q.p99Ms}` : '–');
  const rows = Object.entries(results.systems).flatMap(([name, s]) =>
    Object.entries(s.breakdown ?? {}).map(([scenario, b]) => {
      const endToEnd = scenario === 'latency' ? s.latency : undefined;
      const storedToWritten =
        b.createdToWritten && b.ingest
          ? `≈ ${diff(b.createdToWritten.p50Ms, b.ingest.p50Ms)}`
          : '–';
      const writtenToClient =
        endToEnd && b.createdToWritten
          ? `≈ ${diff(endToEnd.p50Ms, b.createdToWritten.p50Ms)}`
          : '–';
      const gc = Object.entries(b.gc)
        .map(([kind, { count, totalMs }]) => `${kind} ${count} (${totalMs} ms)`)
        .join(', ');
      return [
        `${name}: ${scenario}`,
        endToEnd ? `${endToEnd.p50Ms} / ${endToEnd.p99Ms}` : '–',
        pair(b.ingest),
        storedToWritten,
        pair(b.dispatchPerBatch),
        writtenToClient,
        `${b.eventLoopDelayMs.p50} / ${b.eventLoopDelayMs.p99} / ${b.eventLoopDelayMs.max}`,
        gc || '–',
        `${b.cpuMsPerThousandFrames ?? '–'} / ${b.sqlMsPerThousandFrames ?? '–'}`,
      ];
    }),
  );
  if (!rows.length) return '';
  return [
    '## Where the time goes',
    '',
    'Milliseconds, p50 / p99. Ingest: created_at → appended to the log (`notifier_ingest_lag_seconds`). ' +
      'Stored → written: `notifier_delivery_latency_seconds` less ingest, by medians. Read → written: ' +
      'one live batch, from the log read to the last stream write (`notifier_dispatch_seconds`; – while ' +
      'the hub does not report it). Written → client: the harness’s end-to-end median less created_at → ' +
      'written. Event loop: delay p50 / p99 / max over the load. GC: pauses by kind over the load. ' +
      'Cost: milliseconds per 1,000 frames written, of the service’s CPU and of Postgres executing its ' +
      'statements (pg_stat_statements); less noisy than latency on a shared machine.',
    '',
    table(
      [
        'system: scenario',
        'commit → client (harness)',
        'ingest',
        'stored → written',
        'read → written, per batch',
        'written → client',
        'event-loop delay',
        'GC pauses',
        'cost: service CPU / Postgres',
      ],
      rows,
    ),
  ].join('\n');
}

const diff = (a: number, b: number) => Math.round((a - b) * 1000) / 1000;

function throughputSteps(results: RunResults): string {
  const rows = Object.entries(results.systems).flatMap(([name, s]) =>
    (s.throughput?.steps ?? []).map((step) => [
      name,
      String(step.offeredRate),
      String(step.producedRate),
      String(step.deliveredRate),
      String(step.p50Ms),
      String(step.p99Ms),
      String(step.lost),
      step.passed ? 'pass' : 'fail',
    ]),
  );
  if (!rows.length) return '';
  return [
    '## Throughput steps',
    '',
    table(
      ['system', 'offered/s', 'produced/s', 'delivered/s', 'p50 ms', 'p99 ms', 'lost', ''],
      rows,
    ),
  ].join('\n');
}

function stormStatements(results: RunResults): string {
  const rows = Object.entries(results.systems).flatMap(([name, s]) =>
    (s.storm?.topStatements ?? []).map((top) => [
      name,
      String(top.calls),
      `\`${top.query.slice(0, 160)}\``,
    ]),
  );
  if (!rows.length) return '';
  return [
    '## Statements run most during the storm',
    '',
    table(['system', 'calls', 'statement'], rows),
  ].join('\n');
}

function problems(results: RunResults): string[] {
  const lines = [
    ...Object.entries(results.skipped).map(([name, why]) => `- ${name} skipped: ${why}`),
    ...Object.entries(results.systems).flatMap(([name, s]) =>
      s.errors.map((e) => `- ${name}: ${e}`),
    ),
  ];
  return lines.length ? ['## Problems in this run', '', ...lines, ''] : [];
}

function profileSections({ profiles }: RunResults): string[] {
  return Object.entries(profiles ?? {}).flatMap(([scenario, summary]) => [
    `## CPU profile of the service: ${scenario}`,
    '',
    table(
      ['function (self time)', 'self %', 'total %'],
      summary.functions.map((hot) => [
        `\`${hot.name}\``,
        String(hot.selfPercent),
        String(hot.totalPercent),
      ]),
    ),
    '',
    table(
      ['package or folder', 'self %'],
      summary.byArea.map((hot) => [`\`${hot.name}\``, String(hot.selfPercent)]),
    ),
    '',
  ]);
}

function ratio(ours: number | null | undefined, theirs: number | null | undefined): string {
  if (ours == null || theirs == null || theirs === 0) return '–';
  return `${(ours / theirs).toFixed(2)}×`;
}

const show = (value: number | null | undefined) => (value == null ? '–' : String(value));

export function table(header: string[], rows: string[][]): string {
  return [header, header.map(() => '---'), ...rows]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
}
