import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RuntimeMetrics } from './runtime-metrics';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A live batch is written in well under a millisecond when all is well: finer at the bottom. */
const DISPATCH_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

/**
 * prom-client's own event-loop and GC families measure what RuntimeMetrics does, worse: its GC
 * histogram takes only the first entry of each list the observer is handed (10 pauses in one
 * tick count 1), and its loop-delay percentiles lose the interval after each reset. Its
 * process, heap and handle metrics stay. prom-client 15 cannot leave collectors out, so these
 * are unregistered; their two observers still run, at a cost of one callback per GC.
 */
const DUPLICATED_BY_RUNTIME_METRICS = /^notifier_nodejs_(eventloop_lag|gc_duration)_/;

function removeDuplicatesOfRuntimeMetrics(registry: Registry): void {
  for (const { name } of registry.getMetricsAsArray()) {
    if (DUPLICATED_BY_RUNTIME_METRICS.test(name)) registry.removeSingleMetric(name);
  }
}

/**
 * The service's Prometheus metrics, in a registry of its own (so that several app instances
 * in one process, as in the tests, never clash over the global one).
 */
@Injectable()
export class NotifierMetrics implements OnModuleDestroy {
  readonly registry = new Registry();

  readonly openConnections = new Gauge({
    name: 'notifier_open_connections',
    help: 'Event streams open on this instance',
    registers: [this.registry],
  });

  readonly ingested = new Counter({
    name: 'notifier_notifications_ingested_total',
    help: 'Notifications moved from the outbox into the log by this instance',
    registers: [this.registry],
  });

  readonly deduplicated = new Counter({
    name: 'notifier_notifications_deduplicated_total',
    help: 'Outbox rows dropped by this instance because their user already had their dedupe_key in the log',
    registers: [this.registry],
  });

  readonly delivered = new Counter({
    name: 'notifier_notifications_delivered_total',
    help: 'Notification frames written to streams, live or replayed',
    registers: [this.registry],
  });

  readonly replayed = new Counter({
    name: 'notifier_notifications_replayed_total',
    help: 'Notification frames written to resuming streams from the log',
    registers: [this.registry],
  });

  readonly slowConsumerDisconnects = new Counter({
    name: 'notifier_slow_consumer_disconnects_total',
    help: 'Streams ended because their client took none of their unsent output for SSE_HEARTBEAT_MS',
    registers: [this.registry],
  });

  readonly ingestLag = new Histogram({
    name: 'notifier_ingest_lag_seconds',
    help: 'Time from the producer row (created_at) to its append to the log',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly deliveryLatency = new Histogram({
    name: 'notifier_delivery_latency_seconds',
    help: 'Time from the producer row (created_at) to its live dispatch to open streams',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  private readonly dispatch = new Histogram({
    name: 'notifier_dispatch_seconds',
    help: 'Time from reading a live batch from the log to having written it to every stream',
    buckets: DISPATCH_BUCKETS,
    registers: [this.registry],
  });

  private readonly runtime = new RuntimeMetrics(this.registry);
  readonly pushesSent = new Counter({
    name: 'notifier_pushes_sent_total',
    help: 'Web Push messages a push service accepted',
    registers: [this.registry],
  });

  readonly pushesFailed = new Counter({
    name: 'notifier_pushes_failed_total',
    help: 'Web Push attempts that a push service did not accept, by what happens next',
    labelNames: ['next'] as const,
    registers: [this.registry],
  });

  readonly pushSubscriptionsRemoved = new Counter({
    name: 'notifier_push_subscriptions_removed_total',
    help: 'Subscriptions deleted because their push service answered 404 or 410',
    registers: [this.registry],
  });

  readonly pushLatency = new Histogram({
    name: 'notifier_push_latency_seconds',
    help: 'Time from the append to the log to the push service accepting the push',
    buckets: [0.5, 1, 2.5, 5, 10, 15, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'notifier_' });
    removeDuplicatesOfRuntimeMetrics(this.registry);
  }

  /** For the hub, once per live batch: seconds from the log read's answer to the last write. */
  observeDispatch(seconds: number): void {
    this.dispatch.observe(seconds);
  }

  onModuleDestroy(): void {
    this.runtime.stop();
  }
}
