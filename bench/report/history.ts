import type { RunResults } from '../run-results';

/** The section of RESULTS.md that keeps every earlier run as one row, newest first. */
export const HISTORY_HEADING = '## Earlier runs';

const HEADER = [
  'run',
  'mode',
  'load average',
  'notifier p50 / p99 ms',
  'nchan p99 ms',
  'KiB per idle stream',
  'throughput/s',
  'storm s',
];

export function historyRow(results: RunResults): string {
  const ours = results.systems.notifier;
  const nchan = results.systems.nchan;
  const show = (value: number | null | undefined) => (value == null ? '–' : String(value));
  const cells = [
    `\`${results.runId}\``,
    results.mode,
    results.machine.loadAverageAtStart.toFixed(2),
    ours?.latency ? `${ours.latency.p50Ms} / ${ours.latency.p99Ms}` : '–',
    show(nchan?.latency?.p99Ms),
    show(ours?.memory?.kibPerConnection),
    show(ours?.throughput?.bestRate),
    show(ours?.storm?.catchUpS),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** The rows already in RESULTS.md's history section, so that a new run keeps them. */
export function historyRows(resultsMarkdown: string): string[] {
  const start = resultsMarkdown.indexOf(HISTORY_HEADING);
  if (start === -1) return [];
  const section = resultsMarkdown.slice(start + HISTORY_HEADING.length).split('\n## ')[0];
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.trim());
}

export function historySection(rows: string[]): string {
  if (!rows.length) return '';
  return [
    HISTORY_HEADING,
    '',
    'Headline figures of the runs before this one (their files are in the git history of `bench/results/`).',
    '',
    `| ${HEADER.join(' | ')} |`,
    `| ${HEADER.map(() => '---').join(' | ')} |`,
    ...rows,
    '',
  ].join('\n');
}
