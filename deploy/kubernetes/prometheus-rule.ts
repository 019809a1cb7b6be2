/**
 * Writes prometheus-rule.yaml, the Prometheus Operator's PrometheusRule, from
 * deploy/prometheus/alerts.yml: the alert rules have that one source, and
 * test/kubernetes-manifests.e2e-spec.ts fails when the two differ. `npm run deploy:prometheus-rule`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, stringify } from 'yaml';

export const ALERTS_FILE = resolve(__dirname, '../prometheus/alerts.yml');
export const PROMETHEUS_RULE_FILE = resolve(__dirname, 'prometheus-rule.yaml');

export function prometheusRuleOf(alertsYaml: string): string {
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'notifier',
      labels: { 'app.kubernetes.io/name': 'notifier' },
    },
    spec: parse(alertsYaml) as unknown,
  };
  const header = [
    '# Generated from deploy/prometheus/alerts.yml by `npm run deploy:prometheus-rule`:',
    '# edit that file, then run the script; a test fails while the two differ.',
  ];
  return `${header.join('\n')}\n${stringify(rule, { lineWidth: 0 })}`;
}

if (require.main === module) {
  writeFileSync(PROMETHEUS_RULE_FILE, prometheusRuleOf(readFileSync(ALERTS_FILE, 'utf8')));
}
