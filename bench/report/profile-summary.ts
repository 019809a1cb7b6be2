import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  selfPercent: number;
  totalPercent: number;
}

/**
 * Top functions of a V8 `.cpuprofile` by self time, with their inclusive (total) time,
 * plus self time grouped by package or source folder, to say where the CPU went.
 * Percentages are of busy time: `(idle)` samples are left out of the denominator.
 */
export async function summarizeProfile(
  file: string,
  top = 25,
): Promise<{ functions: HotSpot[]; byArea: HotSpot[] }> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)');
  for (const [id] of idle) self.delete(id);
  const total = [...self.values()].reduce((sum, us) => sum + us, 0) || 1;
  const functions = new Map<string, { self: number; total: number }>();
  const areas = new Map<string, number>();
  /** Inclusive time counts once per key, at its outermost frame (recursion is not doubled). */
  const walk = (node: ProfileNode, open: Set<string>): number => {
    const key = frameName(node);
    const own = self.get(node.id) ?? 0;
    const outermost = !open.has(key);
    if (outermost) open.add(key);
    const sum = (node.children ?? []).reduce((s, child) => s + walk(byId.get(child)!, open), own);
    if (outermost) open.delete(key);
    const entry = functions.get(key) ?? { self: 0, total: 0 };
    entry.self += own;
    if (outermost) entry.total += sum;
    functions.set(key, entry);
    areas.set(area(node), (areas.get(area(node)) ?? 0) + own);
    return sum;
  };
  walk(profile.nodes[0], new Set());
  const pct = (us: number) => Math.round((1000 * us) / total) / 10;
  return {
    functions: [...functions]
      .map(([name, t]) => ({ name, selfPercent: pct(t.self), totalPercent: pct(t.total) }))
      .sort((a, b) => b.selfPercent - a.selfPercent)
      .slice(0, top),
    byArea: [...areas]
      .map(([name, us]) => ({ name, selfPercent: pct(us), totalPercent: pct(us) }))
      .sort((a, b) => b.selfPercent - a.selfPercent)
      .slice(0, top),
  };
}

function frameName({ callFrame: { functionName, url, lineNumber } }: ProfileNode): string {
  const where = url ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

function area({ callFrame: { functionName, url } }: ProfileNode): string {
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/dist/')) return url.replace(/^.*\/dist\//, '').replace(/\/[^/]+$/, '');
  if (url.startsWith('node:')) return url;
  return url ? 'other' : functionName; // (garbage collector), (program), (idle)…
}

if (require.main === module) {
  summarizeProfile(process.argv[2]).then(
    (summary) => console.log(JSON.stringify(summary, null, 2)),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
