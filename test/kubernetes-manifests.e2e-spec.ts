import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { parse, parseAllDocuments } from 'yaml';
import { Environment } from '../libs/config/src/environment';
import {
  ALERTS_FILE,
  PROMETHEUS_RULE_FILE,
  prometheusRuleOf,
} from '../deploy/kubernetes/prometheus-rule';
import { freePort } from './support/free-port';
import { useDatabase } from './support/notifier-fixture';
import { NotifierProcess } from './support/notifier-process';
import { SseRecording } from './support/sse-client';
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET, tokenFor } from './support/tokens';
import { waitForAsync } from './support/wait-for';

/** A start and a drain of the real service as a process. */
jest.setTimeout(90_000);

const BASE = resolve(__dirname, '../deploy/kubernetes');

interface Probe {
  httpGet: { path: string; port: string | number };
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name: string; containerPort: number }[];
  env?: { name: string; valueFrom?: Record<string, { name: string; key: string }> }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    terminationGracePeriodSeconds?: number;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
    containers: Container[];
  };
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: any;
}

/** `kubectl kustomize deploy/kubernetes`, as an operator renders it. */
function render(): Manifest[] {
  const rendered = spawnSync('kubectl', ['kustomize', BASE], { encoding: 'utf8' });
  if (rendered.error) {
    throw new Error(
      `kubectl is needed to render deploy/kubernetes (.ci/run installs Debian's kubernetes-client): ${rendered.error.message}`,
    );
  }
  if (rendered.status !== 0) throw new Error(`kubectl kustomize failed: ${rendered.stderr}`);
  return parseAllDocuments(rendered.stdout).map((document) => document.toJS() as Manifest);
}

/** Every variable the service reads: the properties of libs/config's Environment. */
function variablesTheServiceReads(): Set<string> {
  const rules = getMetadataStorage().getTargetValidationMetadatas(Environment, '', false, false);
  return new Set(rules.map((rule) => rule.propertyName));
}

const isSubset = (labels: Record<string, string>, of: Record<string, string>) =>
  Object.entries(labels).every(([name, value]) => of[name] === value);

describe('deploy/kubernetes, rendered with kubectl kustomize', () => {
  const { database } = useDatabase();
  const manifests = render();
  const one = (kind: string, name?: string) => {
    const found = manifests.filter(
      (manifest) =>
        manifest.kind === kind && (name === undefined || manifest.metadata.name === name),
    );
    expect(found).toHaveLength(1);
    return found[0];
  };
  const deployment = one('Deployment');
  const pod = deployment.spec.template as PodTemplate;
  const [server] = pod.spec.containers;
  const job = one('Job');
  const jobPod = job.spec.template as PodTemplate;
  const settings = one('ConfigMap');
  const service = one('Service');
  let running: NotifierProcess | undefined;
  let port: number;

  afterAll(async () => {
    await running?.stop('SIGKILL');
  });

  it('holds a Deployment, a Service, a PodDisruptionBudget, the migration Job, a ServiceMonitor and a PrometheusRule', () => {
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'Job',
      'PodDisruptionBudget',
      'PrometheusRule',
      'Service',
      'ServiceMonitor',
    ]);
  });

  it('sets only environment variables that the service reads (libs/config), from settings and secrets by name', () => {
    const reads = variablesTheServiceReads();
    expect(reads).toContain('DATABASE_URL');
    const set = [
      ...Object.keys(settings.data ?? {}),
      ...[server, ...jobPod.spec.containers].flatMap((container) =>
        (container.env ?? []).map((variable) => variable.name),
      ),
    ];
    expect(set.filter((name) => !reads.has(name) && !name.startsWith('OTEL_'))).toEqual([]);
    // Every reference names the rendered settings or the operator's Secret.
    const references = [server, ...jobPod.spec.containers].flatMap((container) => [
      ...(container.envFrom ?? []).map(
        (source) => source.configMapRef?.name ?? source.secretRef?.name,
      ),
      ...(container.env ?? []).flatMap((variable) =>
        Object.values(variable.valueFrom ?? {}).map((reference) => reference.name),
      ),
    ]);
    expect(new Set(references)).toEqual(new Set([settings.metadata.name, 'notifier-secrets']));
  });

  it('runs the migrations in the Job and leaves them out of the instances’ start', () => {
    expect(jobPod.spec.containers.map((container) => container.command)).toEqual([
      ['node', 'dist/apps/notifier/src/main.js', 'migrate'],
    ]);
    expect(settings.data?.MIGRATE_ON_START).toBe('false');
    expect(jobPod.spec.containers[0].image).toBe(server.image);
  });

  it('runs every container as a non-root user on a read-only root filesystem, with resources', () => {
    for (const template of [pod, jobPod]) {
      expect(template.spec.securityContext?.runAsNonRoot).toBe(true);
      // The kubelet can check runAsNonRoot only against a numeric user.
      expect(template.spec.securityContext?.runAsUser).toBeGreaterThan(0);
      for (const container of template.spec.containers) {
        expect(container.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
        });
        expect(container.resources?.requests).toEqual({
          cpu: expect.any(String),
          memory: expect.any(String),
        });
        expect(container.resources?.limits?.memory).toEqual(expect.any(String));
      }
    }
  });

  it('routes the Service, the disruption budget and the ServiceMonitor to the server pods alone', () => {
    const podLabels = pod.metadata.labels;
    const budget = one('PodDisruptionBudget');
    const monitor = one('ServiceMonitor');
    expect(isSubset(service.spec.selector, podLabels)).toBe(true);
    expect(isSubset(service.spec.selector, jobPod.metadata.labels)).toBe(false);
    expect(isSubset(budget.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(isSubset(budget.spec.selector.matchLabels, jobPod.metadata.labels)).toBe(false);
    expect(service.spec.ports).toEqual([
      expect.objectContaining({ name: 'http', targetPort: 'http' }),
    ]);
    expect(isSubset(monitor.spec.selector.matchLabels, service.metadata.labels ?? {})).toBe(true);
    expect(monitor.spec.endpoints).toEqual([
      expect.objectContaining({ port: 'http', path: '/metrics' }),
    ]);
  });

  it('carries alerts.yml as its PrometheusRule, generated, not copied by hand', () => {
    const alerts = readFileSync(ALERTS_FILE, 'utf8');
    expect(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')).toBe(prometheusRuleOf(alerts));
    expect(one('PrometheusRule').spec).toEqual(parse(alerts));
  });

  it('probes paths and a port that answer on the service started with these settings', async () => {
    const [http] = server.ports ?? [];
    expect(http).toEqual({ name: 'http', containerPort: Number(settings.data?.PORT) });
    const probes = [server.startupProbe, server.readinessProbe, server.livenessProbe];
    expect(probes.map((probe) => probe?.httpGet)).toEqual([
      { path: '/health/live', port: 'http' },
      { path: '/health/ready', port: 'http' },
      { path: '/health/live', port: 'http' },
    ]);

    // The manifests' settings, their secrets, and a free port in place of 3000 on this machine.
    port = await freePort();
    running = NotifierProcess.start({
      ...settings.data,
      PORT: String(port),
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    });
    const answer = async (path: string) =>
      (await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined))?.status;
    await waitForAsync(async () => (await answer('/health/ready')) === 200, 'readiness', 60_000);
    for (const probe of probes) expect(await answer(probe?.httpGet.path ?? '')).toBe(200);
    expect(await answer(one('ServiceMonitor').spec.endpoints[0].path)).toBe(200);
  });

  it('gives a pod more time than the drain takes: SIGTERM with streams open ends within the grace period', async () => {
    const graceMs = (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const drainMs = Number(settings.data?.SHUTDOWN_DRAIN_MS ?? new Environment().SHUTDOWN_DRAIN_MS);
    expect(graceMs).toBeGreaterThan(drainMs);
    expect(running).toBeDefined();

    const streams = await Promise.all(
      ['a', 'b', 'c'].map((user) =>
        SseRecording.open(`http://127.0.0.1:${port}/users/me/events`, {
          Authorization: `Bearer ${tokenFor(`k8s-${user}`)}`,
        }),
      ),
    );
    const signalledAt = Date.now();
    const exitCode = await running?.stop('SIGTERM');
    const tookMs = Date.now() - signalledAt;
    expect(exitCode).toBe(0);
    expect(tookMs).toBeLessThan(graceMs);
    await Promise.all(streams.map((stream) => stream.closed));
  });
});
