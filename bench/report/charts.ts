import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RunResults } from '../run-results';

type VegaLiteSpec = Record<string, unknown>;

/** Renders the run's charts as SVG with Vega-Lite (headless, no browser); returns file names. */
export async function renderCharts(results: RunResults, dir: string): Promise<string[]> {
  const charts: [string, VegaLiteSpec][] = [
    [`${results.runId}-latency.svg`, latencySpec(results)],
    [`${results.runId}-throughput.svg`, throughputSpec(results)],
  ];
  for (const [file, spec] of charts) await writeFile(resolve(dir, file), await toSvg(spec));
  return charts.map(([file]) => file);
}

function latencySpec(results: RunResults): VegaLiteSpec {
  const values = Object.entries(results.systems).flatMap(([system, s]) =>
    s.latency
      ? (['p50Ms', 'p90Ms', 'p99Ms', 'maxMs'] as const).map((key) => ({
          system,
          percentile: key.replace('Ms', ''),
          ms: Math.max(0.01, s.latency![key]),
        }))
      : [],
  );
  const latency = Object.values(results.systems).find((s) => s.latency)?.latency;
  return {
    title: `Commit-to-client latency, ${latency?.streams} streams, ${latency?.rate} notifications/s`,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'percentile', type: 'nominal', sort: ['p50', 'p90', 'p99', 'max'], title: null },
      xOffset: { field: 'system' },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'milliseconds (log)' },
      color: { field: 'system', type: 'nominal' },
    },
    width: 480,
    height: 300,
  };
}

function throughputSpec(results: RunResults): VegaLiteSpec {
  const values = Object.entries(results.systems).flatMap(([system, s]) =>
    (s.throughput?.steps ?? []).flatMap((step) => [
      { system, offered: step.offeredRate, value: step.deliveredRate, measure: 'delivered/s' },
      { system, offered: step.offeredRate, value: Math.max(0.01, step.p99Ms), measure: 'p99 ms' },
    ]),
  );
  const line = (measure: string, title: string, scale: Record<string, unknown>) => ({
    transform: [{ filter: { field: 'measure', equal: measure } }],
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'offered', type: 'quantitative', title: 'offered notifications/s' },
      y: { field: 'value', type: 'quantitative', title, scale },
      color: { field: 'system', type: 'nominal' },
    },
    width: 420,
    height: 260,
  });
  return {
    title: 'Throughput vs offered rate',
    data: { values },
    hconcat: [
      line('delivered/s', 'delivered notifications/s', {}),
      line('p99 ms', 'p99 latency, ms (log)', { type: 'log' }),
    ],
  };
}

/** vega and vega-lite are ES modules: loaded with a real dynamic import from CommonJS. */
async function toSvg(spec: VegaLiteSpec): Promise<string> {
  const vegaLite = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vegaLite.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...spec,
  } as never);
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none' });
  return view.toSVG();
}
