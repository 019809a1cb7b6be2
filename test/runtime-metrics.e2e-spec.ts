import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NotifierMetrics } from '../apps/notifier/src/metrics/notifier-metrics';
import { useNotifier } from './support/notifier-fixture';
import { waitForAsync } from './support/wait-for';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** A sample's value in Prometheus text, by its exact name and labels; undefined when absent. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics shows what holds the event loop back', () => {
  const { notifier } = useNotifier();
  const scrape = async () => (await notifier.http<string>('GET', '/metrics')).body;

  it('reports event-loop delay since the previous scrape: a blocked loop shows up, then passes', async () => {
    await scrape();
    const blockedUntil = Date.now() + 300;
    while (Date.now() < blockedUntil); // the loop is held, as a long synchronous batch would
    const blocked = await scrape();
    expect(sample(blocked, 'notifier_event_loop_delay_seconds{statistic="max"}')).toBeGreaterThan(
      0.2,
    );
    expect(sample(blocked, 'notifier_event_loop_delay_seconds{statistic="p50"}')).toBeDefined();
    expect(sample(blocked, 'notifier_event_loop_delay_seconds{statistic="p99"}')).toBeDefined();

    const calm = await scrape();
    expect(sample(calm, 'notifier_event_loop_delay_seconds{statistic="max"}')).toBeLessThan(0.2);
  });

  it('sees a block that starts the moment a scrape ends', async () => {
    await notifier.app.get(NotifierMetrics).registry.metrics();
    const blockedUntil = Date.now() + 300;
    while (Date.now() < blockedUntil); // no timer of the sampler can fire between the two
    await new Promise((resolve) => setTimeout(resolve, 50));
    const blocked = await scrape();
    expect(sample(blocked, 'notifier_event_loop_delay_seconds{statistic="max"}')).toBeGreaterThan(
      0.2,
    );
  });

  it('reports the delay itself, not the sampling interval: an idle loop is late by about 0', async () => {
    await scrape();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const idle = await scrape();
    expect(sample(idle, 'notifier_event_loop_delay_seconds{statistic="p50"}')).toBeLessThan(0.005);
  });

  it('counts garbage-collection pauses by kind as they happen', async () => {
    const minorPauses = async () =>
      sample(await scrape(), 'notifier_gc_pause_seconds_count{kind="minor"}') ?? 0;
    const before = await minorPauses();
    // Short-lived objects, dropped at once: what the young generation is scavenged for.
    for (let i = 0; i < 200_000; i++) void { i, text: `garbage ${i}` }.text.length;
    await waitForAsync(async () => (await minorPauses()) > before, 'a minor GC to be counted');
    expect(await scrape()).toMatch(
      /^notifier_gc_pause_seconds_bucket\{le="0\.001",kind="minor"\}/m,
    );
  });

  it('counts every GC pause, also several that end in the same tick', async () => {
    const pauses = async () => {
      const body = await scrape();
      const kinds = body.match(/^notifier_gc_pause_seconds_count\{[^}]*\} \S+$/gm) ?? [];
      return kinds.reduce((sum, line) => sum + Number(line.split(' ')[1]), 0);
    };
    const before = await pauses();
    // Reported to observers as one list of ten entries: a metric that takes only a list's
    // first entry (prom-client's nodejs_gc_duration_seconds) counts one.
    for (let i = 0; i < 10; i++) collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await pauses()) - before).toBeGreaterThanOrEqual(10);
  });

  it('measures each runtime figure once: no second event-loop or GC metric under another name', async () => {
    const declared = [...(await scrape()).matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]);
    expect(declared.filter((name) => /event_?loop|_gc_/.test(name)).sort()).toEqual([
      'notifier_event_loop_delay_seconds',
      'notifier_gc_pause_seconds',
    ]);
    expect(declared).toEqual(
      expect.arrayContaining([
        'notifier_process_cpu_seconds_total',
        'notifier_process_resident_memory_bytes',
        'notifier_nodejs_heap_size_used_bytes',
        'notifier_process_open_fds',
      ]),
    );
  });

  it('has a dispatch histogram the hub feeds per live batch', async () => {
    const count = async () => sample(await scrape(), 'notifier_dispatch_seconds_count');
    const before = (await count()) ?? Number.NaN;
    notifier.app.get(NotifierMetrics).observeDispatch(0.0003);
    expect(await count()).toBe(before + 1);
    expect(sample(await scrape(), 'notifier_dispatch_seconds_bucket{le="0.0005"}')).toBe(
      before + 1,
    );
  });
});
