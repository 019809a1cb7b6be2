import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { BenchReport } from '../figures';
import { figure, reportMarkdown } from './markdown';

const BENCH = resolve(__dirname, '..');
const HISTORY = '## History';

/**
 * Every run writes `<run>.json` and `<run>.md` to bench/results/local/ (git-ignored). A
 * published run (full, every system and scenario, the service as configured by default) also
 * becomes bench/RESULTS.md, keeping its history section, where the run adds its own row.
 */
export async function writeReport(report: BenchReport, published: boolean): Promise<string[]> {
  const dir = resolve(BENCH, 'results/local');
  await mkdir(dir, { recursive: true });
  const markdown = reportMarkdown(report);
  const files = [resolve(dir, `${report.runId}.json`), resolve(dir, `${report.runId}.md`)];
  await writeFile(files[0], `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(files[1], markdown);
  if (!published) return files;

  const file = resolve(BENCH, 'RESULTS.md');
  const current = await readFile(file, 'utf8').catch(() => '');
  const history = current.includes(HISTORY) ? current.slice(current.indexOf(HISTORY)) : HISTORY;
  const options = { ...(await resolveConfig(file)), parser: 'markdown' };
  await writeFile(file, await format(`${markdown}\n\n${withLine(history, report)}`, options));
  return [...files, file];
}

const INTRO = 'Each published run adds its line: medians for logical / replica / Nchan.';

/** The history section with this run's line first (the section created when missing). */
function withLine(history: string, report: BenchReport): string {
  const all = (get: Parameters<typeof figure>[2]) =>
    ['logical', 'replica', 'nchan'].map((s) => figure(report, s, get).split(' ')[0]).join(' / ');
  const line =
    `- \`${report.runId}\`, commit \`${report.commit}\`, ${report.runs.length} run(s), load ` +
    `average ${report.loadAverage.start.toFixed(2)}: p50 ${all((s) => s.loads.latency?.p50Ms)} ms, ` +
    `p99 ${all((s) => s.loads.latency?.p99Ms)} ms; CPU per notification ` +
    `${all((s) => s.loads.latency?.cpu.total)} ms, the rest ${all((s) => s.loads.latency?.cpu.rest)}; ` +
    `${all((s) => s.memory?.perStreamKiB)} KiB per idle stream; storm ${all((s) => s.storm?.catchUpS)} s; ` +
    `${all((s) => s.open?.perS)} streams/s`;
  const lines = history.split('\n');
  const intro = lines.indexOf(INTRO);
  if (intro === -1) return [lines[0], '', INTRO, '', line, '', ...lines.slice(1)].join('\n');
  lines.splice(intro + 2, 0, line);
  return lines.join('\n');
}
