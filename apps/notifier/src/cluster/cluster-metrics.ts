import type { Worker } from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';
import type { MetricsJson, PrimaryMessage, WorkerMessage } from './cluster-messages';
import { isPrimaryMessage } from './cluster-messages';
import { tellPrimary } from './cluster-worker';

/**
 * A scrape that waits longer than this for a worker fails (Prometheus marks the target down)
 * rather than show the sum of fewer workers as if it were all of them. Below Prometheus'
 * default scrape timeout (10 s).
 */
const COLLECT_TIMEOUT_MS = 5_000;

/**
 * NOTIFIER_WORKERS > 1: a scrape reaches one worker, which asks the primary; the primary
 * collects every listening worker's registry and aggregates them with prom-client (counters and
 * histograms summed, gauges as each declares: `aggregator`), and the worker answers with that.
 * This is the primary's half.
 */
export class ClusterMetricsCollector {
  private nextId = 0;
  private readonly collections = new Map<
    number,
    { parts: MetricsJson[]; waitingFor: Set<Worker>; done(error?: Error): void }
  >();

  /** Every worker's metrics, aggregated, as Prometheus text. */
  collect(workers: readonly Worker[]): Promise<string> {
    const collectionId = this.nextId++;
    const parts: MetricsJson[] = [];
    const waitingFor = new Set(workers);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        const late = [...waitingFor].map((worker) => worker.process.pid).join(', ');
        done(new Error(`worker processes ${late} sent no metrics within ${COLLECT_TIMEOUT_MS} ms`));
      }, COLLECT_TIMEOUT_MS);
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.collections.delete(collectionId);
        if (error) reject(error);
        else AggregatorRegistry.aggregate(parts).metrics().then(resolve, reject);
      };
      this.collections.set(collectionId, { parts, waitingFor, done });
      const ask: PrimaryMessage = { type: 'metrics-collect', collectionId };
      for (const worker of workers) worker.send(ask);
      if (workers.length === 0) done();
    });
  }

  /** A worker that exited has nothing more to send: collections go on without it. */
  forget(worker: Worker): void {
    for (const collection of this.collections.values()) {
      if (collection.waitingFor.delete(worker) && collection.waitingFor.size === 0) {
        collection.done();
      }
    }
  }

  /** A worker's part of a collection; parts of a collection that timed out are dropped. */
  receive(worker: Worker, message: Extract<WorkerMessage, { type: 'metrics-part' }>): void {
    const collection = this.collections.get(message.collectionId);
    if (!collection?.waitingFor.delete(worker)) return;
    if (!message.metrics) {
      const error = `worker process ${worker.process.pid} has no metrics: ${message.error}`;
      return collection.done(new Error(error));
    }
    collection.parts.push(message.metrics);
    if (collection.waitingFor.size === 0) collection.done();
  }
}

/**
 * The worker's half: it hands its registry to the primary's collections, and a scrape that
 * reaches it answers with the whole cluster's metrics. Returns the stop of the former.
 */
export function shareMetricsWithPrimary(registry: Registry): () => void {
  const onMessage = (message: unknown) => {
    if (!isPrimaryMessage(message) || message.type !== 'metrics-collect') return;
    const { collectionId } = message;
    registry.getMetricsAsJSON().then(
      (metrics) => tellPrimary({ type: 'metrics-part', collectionId, metrics }),
      (error: Error) => tellPrimary({ type: 'metrics-part', collectionId, error: error.message }),
    );
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}

let nextRequestId = 0;

/** Every worker's metrics, aggregated by the primary, as Prometheus text. */
export function clusterMetrics(): Promise<string> {
  const requestId = nextRequestId++;
  return new Promise((resolve, reject) => {
    // The primary answers within its own timeout; this one covers a primary that is gone.
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('Cluster metrics: the primary did not answer'));
    }, COLLECT_TIMEOUT_MS * 2);
    const onMessage = (message: unknown) => {
      if (!isPrimaryMessage(message) || message.type !== 'metrics-answer') return;
      if (message.requestId !== requestId) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (message.text === undefined) reject(new Error(`Cluster metrics: ${message.error}`));
      else resolve(message.text);
    };
    process.on('message', onMessage);
    tellPrimary({ type: 'metrics-request', requestId });
  });
}
