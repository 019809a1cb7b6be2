import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { useNotifier } from './support/notifier-fixture';
import { waitForAsync } from './support/wait-for';
import { sample } from './support/metrics';

const ROOT = resolve(__dirname, '..');
const DASHBOARD = resolve(ROOT, 'deploy/grafana/notifier.json');
const ALERTS = resolve(ROOT, 'deploy/prometheus/alerts.yml');
const ALERT_TESTS = resolve(ROOT, 'deploy/prometheus/alerts.test.yml');

/** Every PromQL expression of the dashboard's panels. */
function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { targets?: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
}

/** Every rule's `expr`, which the file keeps on one line each. */
function alertExpressions(): string[] {
  const text = readFileSync(ALERTS, 'utf8');
  const rules = text.match(/^\s*- alert: /gm) ?? [];
  const expressions = [...text.matchAll(/^\s*expr: (.+)$/gm)].map((match) => match[1]);
  expect(expressions).toHaveLength(rules.length);
  return expressions;
}

/** The metric families an expression names (a histogram's `_bucket`, `_sum`, `_count` are its family). */
function metricFamilies(expression: string): string[] {
  const names = expression.match(/\bnotifier_[a-z0-9_]+/g) ?? [];
  return names.map((name) => name.replace(/_(bucket|sum|count)$/, ''));
}

/** The families `/metrics` declares with `# TYPE`, also those with no sample yet (GC kinds). */
function declaredFamilies(exposition: string): Set<string> {
  return new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));
}

const promtool = spawnSync('promtool', ['--version']).status === 0;

describe('the Grafana dashboard and the Prometheus alert rules', () => {
  const { notifier } = useNotifier();
  const scrape = async () => (await notifier.http('GET', '/metrics')).body as string;

  it('name only metrics that /metrics exposes', async () => {
    const declared = declaredFamilies(await scrape());
    const dashboard = dashboardExpressions();
    const alerts = alertExpressions();
    expect(dashboard.length).toBeGreaterThan(5);
    expect(alerts.length).toBeGreaterThanOrEqual(3);
    const named = [...new Set([...dashboard, ...alerts].flatMap(metricFamilies))].sort();
    expect(named).toEqual(
      expect.arrayContaining([
        'notifier_open_connections',
        'notifier_ingest_lag_seconds',
        'notifier_delivery_latency_seconds',
        'notifier_slow_consumer_disconnects_total',
        'notifier_ingest_leader',
        'notifier_listener_connected',
        'notifier_outbox_oldest_age_seconds',
        'notifier_outbox_backlog',
        'notifier_event_loop_delay_seconds',
        'notifier_gc_pause_seconds',
      ]),
    );
    expect(named.filter((name) => !declared.has(name))).toEqual([]);
  });

  it('can rely on gauges saying whether the instance leads ingestion and listens', async () => {
    await waitForAsync(
      async () => sample(await scrape(), 'notifier_ingest_leader') === 1,
      'notifier_ingest_leader 1 on the only instance',
    );
    expect(sample(await scrape(), 'notifier_listener_connected')).toBe(1);
  });

  (promtool ? it : it.skip)(
    `pass promtool check rules${promtool ? '' : ' (skipped: promtool is not installed; apt package "prometheus")'}`,
    () => {
      const check = spawnSync('promtool', ['check', 'rules', ALERTS], { encoding: 'utf8' });
      expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({
        status: 0,
        output: expect.stringContaining(
          `SUCCESS: ${alertExpressions().length} rules found`,
        ) as string,
      });
    },
  );

  (promtool ? it : it.skip)(
    `fire as alerts.test.yml says: a stalled drain alerts, one that keeps up does not${promtool ? '' : ' (skipped: promtool is not installed)'}`,
    () => {
      const check = spawnSync('promtool', ['test', 'rules', ALERT_TESTS], { encoding: 'utf8' });
      expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({
        status: 0,
        output: expect.stringContaining('SUCCESS') as string,
      });
    },
  );
});
