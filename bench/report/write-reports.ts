import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { RunResults } from '../run-results';
import { renderCharts } from './charts';
import { historyRow, historyRows, historySection } from './history';
import { resultsMarkdown } from './markdown';

const BENCH = resolve(__dirname, '..');
const RESULTS = resolve(BENCH, 'results');
/** Runs that are not published (quick, profiled, some systems only): kept out of git. */
const LOCAL_RESULTS = resolve(RESULTS, 'local');

/**
 * <run>.json, .md and charts for every run, in bench/results/local/ (git-ignored). A full run
 * of every system without profiling is published instead: its files replace the previous
 * run's in bench/results/, which keeps only the latest, and it becomes bench/RESULTS.md, whose
 * history table gains the previous run's headline row.
 */
export async function writeReports(results: RunResults, published: boolean): Promise<string> {
  const dir = published ? RESULTS : LOCAL_RESULTS;
  await mkdir(dir, { recursive: true });
  const previous = published ? await publishedRuns() : [];
  await writeFile(resolve(dir, `${results.runId}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const charts = await renderCharts(results, dir);
  await writeFile(resolve(dir, `${results.runId}.md`), resultsMarkdown(results, charts, ''));
  if (!published) return dir;

  const file = resolve(BENCH, 'RESULTS.md');
  const current = await readFile(file, 'utf8').catch(() => '');
  const earlier = historyRows(current);
  const newRows = previous.map(historyRow).filter((row) => !earlier.includes(row));
  // The standalone measurements (producer-commit.ts, rolling-restart.ts) keep their sections.
  const standalone = current.match(STANDALONE_SECTION) ?? [];
  const markdown = [
    resultsMarkdown(results, charts, 'results/'),
    ...standalone,
    historySection([...newRows, ...earlier]),
  ].join('\n\n');
  // Formatted the way `npx prettier --check` wants it, since this file is committed.
  const options = { ...(await resolveConfig(file)), parser: 'markdown' };
  await writeFile(file, await format(markdown, options));
  for (const run of previous) await removeRunFiles(run.runId);
  return dir;
}

/** A published run's results: `<runId>.json`, where the run id is its start time. */
const RUN_FILE = /^\d{4}-\d{2}-\d{2}T[\d-]+Z\.json$/;
/** A section a standalone measurement keeps between `<!-- name:start -->` and `<!-- name:end -->`. */
const STANDALONE_SECTION = /<!-- ([\w-]+):start -->[\s\S]*?<!-- \1:end -->/g;

/** The runs whose files are in bench/results/ now, newest first. */
async function publishedRuns(): Promise<RunResults[]> {
  const files = (await readdir(RESULTS))
    .filter((name) => RUN_FILE.test(name))
    .sort()
    .reverse();
  return Promise.all(
    files.map(
      async (name) => JSON.parse(await readFile(resolve(RESULTS, name), 'utf8')) as RunResults,
    ),
  );
}

async function removeRunFiles(runId: string): Promise<void> {
  for (const name of await readdir(RESULTS)) {
    if (name.startsWith(runId)) await rm(resolve(RESULTS, name));
  }
}
