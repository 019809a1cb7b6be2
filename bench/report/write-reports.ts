import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { RunResults } from '../run-results';
import { renderCharts } from './charts';
import { resultsMarkdown } from './markdown';

const BENCH = resolve(__dirname, '..');
const RESULTS = resolve(BENCH, 'results');

/**
 * bench/results/<run>.json, .md and charts for every run; a full run of all three systems
 * without profiling also becomes bench/RESULTS.md, the published figures.
 */
export async function writeReports(results: RunResults, published: boolean): Promise<void> {
  await writeFile(
    resolve(RESULTS, `${results.runId}.json`),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  const charts = await renderCharts(results, RESULTS);
  await writeFile(resolve(RESULTS, `${results.runId}.md`), resultsMarkdown(results, charts, ''));
  if (!published) return;
  // Formatted the way `npx prettier --check` wants it, since this file is committed.
  const file = resolve(BENCH, 'RESULTS.md');
  const options = { ...(await resolveConfig(file)), parser: 'markdown' };
  await writeFile(file, await format(resultsMarkdown(results, charts, 'results/'), options));
}
