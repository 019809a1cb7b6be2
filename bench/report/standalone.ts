import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Helpers of the standalone measurements (producer-commit.ts, rolling-restart.ts). */

const RESULTS_MD = resolve(__dirname, '..', 'RESULTS.md');

/**
 * Replaces RESULTS.md's section between `<!-- name:start -->` and `<!-- name:end -->` with
 * `lines`, or appends it when the markers are missing.
 */
export async function writeResultsSection(name: string, lines: string[]): Promise<void> {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = [start, '', ...lines, '', end].join('\n');
  const current = await readFile(RESULTS_MD, 'utf8');
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const updated =
    from >= 0 && to > from
      ? `${current.slice(0, from)}${section}${current.slice(to + end.length)}`
      : `${current.trimEnd()}\n\n${section}\n`;
  await writeFile(RESULTS_MD, updated);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
