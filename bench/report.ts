import type { BenchReport, LoadFigures, RatioFigures, SystemFigures } from './figures';
import { LOADS, SYSTEMS } from './options';
import { PG_KINDS } from './postgres';

type Get<T = SystemFigures> = (t: T) => number | null | undefined;
type Columns<T> = [title: string, get: Get<T>][];
/** A row of a grid: its label, the system it reads, and the part of that system's figures. */
type Row<T> = [label: string, system: string, pick: (s: SystemFigures) => T | undefined];

const OURS = ['logical', 'replica'];

export function median(values: number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const show = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? '–' : String(Math.round(value * 1000) / 1000);

/** Every run's value of one figure of one system (runs where it is missing left out). */
const values = (report: BenchReport, system: string, get: Get) =>
  report.runs
    .map((run) => run[system] && get(run[system]))
    .filter((value): value is number => typeof value === 'number');

/** The median over the runs, with the lowest and highest when there were several. */
function figure(report: BenchReport, system: string, get: Get): string {
  const all = values(report, system, get);
  if (all.length < 2) return show(median(all));
  return `${show(median(all))} (${show(Math.min(...all))}–${show(Math.max(...all))})`;
}

/** Ours against Nchan's in the same run, the median over runs. */
function againstNchan(report: BenchReport, system: string, get: Get): string {
  const ratios = report.runs.flatMap((run) => {
    const [ours, theirs] = [run[system] && get(run[system]), run.nchan && get(run.nchan)];
    return typeof ours === 'number' && typeof theirs === 'number' && theirs ? [ours / theirs] : [];
  });
  return ratios.length ? `${median(ratios)!.toFixed(2)}×` : '–';
}

const present = (report: BenchReport, systems: readonly string[] = SYSTEMS) =>
  systems.filter((key) => report.runs.some((run) => run[key]));

const table = (header: string[], rows: string[][]) =>
  [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');

function headline(report: BenchReport): string {
  const all = report.runs.flatMap((run) => Object.values(run));
  const at = (name: (typeof LOADS)[number]) =>
    `${all.find((s) => s.loads[name])?.loads[name]?.rate.toLocaleString('en')}/s`;
  const storm = all.find((s) => s.storm)?.storm;
  const lostOr = (key: 'lost' | 'duplicates') => (s: SystemFigures) =>
    Object.values(s.loads).reduce((sum, load) => sum + load[key], s.storm?.[key] ?? 0);
  const rows: Columns<SystemFigures> = [
    [`latency p50 at ${at('latency')}, one transaction each (ms)`, (s) => s.loads.latency?.p50Ms],
    ['latency p99 (ms)', (s) => s.loads.latency?.p99Ms],
    ['CPU per notification: service + Postgres (ms)', (s) => s.loads.latency?.cpu.total],
    ['… the producers’ own INSERTs (plain table)', (s) => s.loads.latency?.cpu.producersShare],
    ['… the rest: our pipeline', (s) => s.loads.latency?.cpu.rest],
    [`latency p99 at ${at('low-rate')} (ms)`, (s) => s.loads['low-rate']?.p99Ms],
    [`CPU per notification at ${at('low-rate')} (ms)`, (s) => s.loads['low-rate']?.cpu.total],
    ['… the rest: our pipeline', (s) => s.loads['low-rate']?.cpu.rest],
    [`batched producer at ${at('batched')}: p99 (ms)`, (s) => s.loads.batched?.p99Ms],
    ['… CPU per notification (ms)', (s) => s.loads.batched?.cpu.total],
    ['memory per idle stream (KiB)', (s) => s.memory?.perStreamKiB],
    [`opening ${all.find((s) => s.open)?.open?.streams} streams (per s)`, (s) => s.open?.perS],
    [
      `storm: ${storm?.clients} × ${storm?.behind} behind, all resumed (s)`,
      (s) => s.storm?.catchUpS,
    ],
    ['producers vs a plain INSERT, default mode', (s) => s.producers?.[s.mode ?? '']?.ratio],
    ['lost, all scenarios', lostOr('lost')],
    ['duplicated, all scenarios', lostOr('duplicates')],
  ];
  // A run of some scenarios only leaves the others' rows out, not blank with `undefined/s` labels.
  const measured = rows.filter(([, get]) => all.some((s) => get(s) != null));
  const ours = present(report, OURS);
  const nchan = present(report, ['nchan']);
  const mode = (key: string) => report.runs.find((run) => run[key])?.[key].mode;
  return table(
    [
      'figure',
      ...ours.map((key) => `notifier, wal_level=${key} (OUTBOX_WAKE=${mode(key)})`),
      ...nchan.flatMap(() => ['Nchan', ...ours.map((key) => `${key} ÷ Nchan`)]),
    ],
    measured.map(([label, get]) => [
      label,
      ...ours.map((key) => figure(report, key, get)),
      ...nchan.flatMap(() => [
        figure(report, 'nchan', get),
        ...ours.map((key) => againstNchan(report, key, get)),
      ]),
    ]),
  );
}

/** One row per system (and load, or mode), one column per figure: medians over the runs. */
function grid<T>(report: BenchReport, rows: Row<T>[], columns: Columns<T>): string {
  const cell = (system: string, pick: Row<T>[2], get: Get<T>) =>
    show(
      median(values(report, system, (s) => (pick(s) === undefined ? undefined : get(pick(s)!)))),
    );
  return table(
    ['', ...columns.map(([title]) => title)],
    rows.map(([label, system, pick]) => [
      label,
      ...columns.map(([, get]) => cell(system, pick, get)),
    ]),
  );
}

const section = (title: string, body: string) => `## ${title}\n\n${body}\n`;

function details(report: BenchReport): string[] {
  const loads = present(report).flatMap((key) =>
    LOADS.filter((name) => report.runs.some((run) => run[key]?.loads[name])).map(
      (name): Row<LoadFigures> => [`${key}: ${name}`, key, (s) => s.loads[name]],
    ),
  );
  const percentOfCore = (ms: number, load: LoadFigures) => (ms * load.sent) / (load.windowS * 10);
  const modes = present(report, OURS).flatMap((key) =>
    Object.keys(report.runs.find((run) => run[key]?.producers)?.[key].producers ?? {}).map(
      (mode): Row<RatioFigures> => [`${key}: ${mode}`, key, (s) => s.producers?.[mode]],
    ),
  );
  const statements = present(report, OURS).flatMap((key) =>
    LOADS.flatMap((name) =>
      (report.runs[0][key]?.loads[name]?.statements ?? []).slice(0, 6).map((s) => {
        const text = `\`${s.query.slice(0, 150).replaceAll('|', '\\|')}\``;
        return [`${key}: ${name}`, String(s.calls), String(s.ms), text];
      }),
    ),
  );
  return [
    section(
      'CPU per notification, by process (ms)',
      grid(report, loads, [
        ['sent/s', (l) => l.sentPerS],
        ['service', (l) => l.cpu.service],
        ...PG_KINDS.map((kind): Columns<LoadFigures>[number] => [
          `PG ${kind}`,
          (l) => l.cpu.postgres?.[kind],
        ]),
        ['Postgres', (l) => l.cpu.postgresTotal],
        ['total', (l) => l.cpu.total],
        ['producers’ share', (l) => l.cpu.producersShare],
        ['the rest', (l) => l.cpu.rest],
        ['service, % of a core', (l) => percentOfCore(l.cpu.service, l)],
        ['Postgres, % of a core', (l) => percentOfCore(l.cpu.postgresTotal, l)],
        ['load generator', (l) => l.cpu.loadGenerator],
        ['machine busy, %', (l) => l.cpu.machineBusyPercent],
      ]),
    ),
    section(
      'Latency (ms)',
      grid(report, loads, [
        ['offered/s', (l) => l.rate],
        ['sent/s', (l) => l.sentPerS],
        ['p50', (l) => l.p50Ms],
        ['p99', (l) => l.p99Ms],
        ['max', (l) => l.maxMs],
        ['waited for a connection, p99', (l) => l.sendWaitP99Ms],
        ['lost', (l) => l.lost],
        ['duplicated', (l) => l.duplicates],
      ]),
    ),
    section(
      'Producers against a plain INSERT (pgbench, closed loop)',
      grid(report, modes, [
        ['outbox commits/s', (r) => r.outboxTps],
        ['plain table commits/s', (r) => r.plainTps],
        ['outbox ÷ plain', (r) => r.ratio],
      ]),
    ),
    section(
      'Reconnect storm',
      grid(
        report,
        present(report).map((key) => [key, key, (s) => s.storm]),
        [
          ['all resumed (s)', (s) => s.catchUpS],
          ['service CPU per client (ms)', (s) => s.cpu?.service],
          ['Postgres CPU per client (ms)', (s) => s.cpu?.postgres],
          ['SQL statements', (s) => s.sqlStatements],
          ['SYNs dropped', (s) => s.listenDrops],
          ['lost', (s) => s.lost],
          ['duplicated', (s) => s.duplicates],
          ['failed reconnects', (s) => s.reconnectFailures],
        ],
      ),
    ),
    section(
      'Statements by time (pg_stat_statements, first run)',
      table(['', 'calls per notification', 'ms per notification', 'statement'], statements),
    ),
  ];
}

/** The report: one headline table against Nchan, then where the CPU and the time go. */
export function reportMarkdown(report: BenchReport): string {
  const { runs, loadAverage } = report;
  const problems = [
    ...Object.entries(report.skipped).map(([name, why]) => `- ${name} skipped: ${why}`),
    ...runs.flatMap((run, i) =>
      Object.entries(run).flatMap(([name, s]) =>
        s.errors.map((e) => `- run ${i + 1}, ${name}: ${e}`),
      ),
    ),
  ];
  const busy = loadAverage.start > 0.5 ? ' (other work was running: figures are noisy)' : '';
  return [
    '# Benchmark results',
    '',
    `\`${report.command}\` (${report.quick ? 'quick' : 'full'}), run \`${report.runId}\`, commit \`${report.commit}\`. How it measures: [bench/README.md](README.md).`,
    '',
    `- ${runs.length === 1 ? 'One run' : `Median of ${runs.length} runs (lowest–highest)`}; ratios to Nchan are taken within each run.`,
    `- ${[`Node ${report.node}`, report.postgres, report.nchan, report.machine].filter(Boolean).join('; ')}, shared with the load generator.`,
    `- Load average ${loadAverage.start.toFixed(2)} at the start, ${loadAverage.end.toFixed(2)} at the end${busy}.`,
    ...(report.profiles ? [`- V8 CPU profiles of the service: \`${report.profiles}\`.`] : []),
    '',
    headline(report),
    '',
    ...details(report),
    ...(problems.length ? [section('Problems in this run', problems.join('\n'))] : []),
  ].join('\n');
}

/** This run's line in RESULTS.md's history: the medians of the main figures. */
export function historyLine(report: BenchReport): string {
  const all = (get: Get) =>
    SYSTEMS.map((system) => figure(report, system, get).split(' ')[0]).join(' / ');
  return (
    `- \`${report.runId}\`, commit \`${report.commit}\`, ${report.runs.length} run(s), load ` +
    `average ${report.loadAverage.start.toFixed(2)}: p50 ${all((s) => s.loads.latency?.p50Ms)} ms, ` +
    `p99 ${all((s) => s.loads.latency?.p99Ms)} ms; CPU per notification ` +
    `${all((s) => s.loads.latency?.cpu.total)} ms, the rest ${all((s) => s.loads.latency?.cpu.rest)}; ` +
    `${all((s) => s.memory?.perStreamKiB)} KiB per idle stream; storm ${all((s) => s.storm?.catchUpS)} s; ` +
    `${all((s) => s.open?.perS)} streams/s`
  );
}
