import { Histogram } from './histogram';
import type {
  ClientCommand,
  ClientReport,
  FailoverReport,
  OpenResult,
  Phase,
  ProducerJob,
  ProducerResult,
  ProducerTarget,
  StreamSpec,
} from './protocol';
import { WorkerHandle } from './worker-ipc';

export interface PhaseOutcome {
  histogram: Histogram;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  misrouted: number;
  disconnects: number;
  /** Latest completion over all workers, CLOCK_MONOTONIC µs; undefined if any fell short. */
  completedAtUs?: number;
}

export interface ProduceOptions {
  target: ProducerTarget;
  phase: Phase;
  rate: number;
  userPrefix: string;
  producers: number;
  connections: number;
  maxBatch: number;
}

/** Client workers holding the streams, and producer workers that feed the system. */
export class LoadGenerator {
  private readonly clients: WorkerHandle<ClientCommand>[];
  private readonly producers: WorkerHandle<ProducerJob>[];

  constructor(clientWorkers: number, producerWorkers: number) {
    this.clients = Array.from(
      { length: clientWorkers },
      () => new WorkerHandle('client-worker.ts'),
    );
    this.producers = Array.from(
      { length: producerWorkers },
      () => new WorkerHandle('producer-worker.ts'),
    );
  }

  /** Opens the streams, dealt round-robin over the client workers. */
  async open(port: number, streams: StreamSpec[], concurrency = 100): Promise<OpenResult> {
    const shares = this.clients.map((_, w) =>
      streams.filter((_, i) => i % this.clients.length === w),
    );
    const results = await Promise.all(
      this.clients.map((client, w) =>
        client.request<OpenResult>({ cmd: 'open', port, streams: shares[w], concurrency }),
      ),
    );
    return sumOpen(results);
  }

  async startPhase(phase: Phase): Promise<void> {
    await Promise.all(this.clients.map((client) => client.request({ cmd: 'phase', phase })));
  }

  async produce(options: ProduceOptions): Promise<ProducerResult> {
    const results = await Promise.all(
      this.producers.map((producer, worker) =>
        producer.request<ProducerResult>({ ...options, worker, workers: this.producers.length }),
      ),
    );
    return {
      sent: results.reduce((sum, r) => sum + r.sent, 0),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
      elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
      firstError: results.find((r) => r.firstError)?.firstError,
    };
  }

  /** Waits until every stream has all its notifications of the phase, or the timeout. */
  async awaitPhase(timeoutMs: number): Promise<PhaseOutcome> {
    const reports = await Promise.all(
      this.clients.map((client) => client.request<ClientReport>({ cmd: 'wait', timeoutMs })),
    );
    return mergeReports(reports);
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.request({ cmd: 'disconnect' })));
  }

  /** Every stream reconnects at once with the last id it saw. */
  async reconnectAll(): Promise<OpenResult> {
    const results = await Promise.all(
      this.clients.map((client) => client.request<OpenResult>({ cmd: 'reopen' })),
    );
    return sumOpen(results);
  }

  /**
   * Streams opened on port `from` reconnect to `to` with their Last-Event-ID when the server
   * ends them; returns how many were armed.
   */
  async failover(from: number, to: number): Promise<number> {
    const armed = await Promise.all(
      this.clients.map((client) => client.request<number>({ cmd: 'failover', from, to })),
    );
    return armed.reduce((sum, n) => sum + n, 0);
  }

  /** The failed-over streams of every client worker so far. */
  async failovers(): Promise<FailoverReport> {
    const reports = await Promise.all(
      this.clients.map((client) => client.request<FailoverReport>({ cmd: 'failovers' })),
    );
    return {
      armed: reports.reduce((sum, report) => sum + report.armed, 0),
      ended: reports.flatMap((report) => report.ended),
    };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.clients.map((client) => client.request({ cmd: 'exit' }).catch(() => undefined)),
    );
    for (const worker of [...this.clients, ...this.producers]) worker.kill();
  }
}

function sumOpen(results: OpenResult[]): OpenResult {
  return {
    opened: results.reduce((sum, r) => sum + r.opened, 0),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    firstError: results.find((r) => r.firstError)?.firstError,
  };
}

function mergeReports(reports: ClientReport[]): PhaseOutcome {
  const histogram = new Histogram();
  for (const report of reports) histogram.merge(report.histogram, report.maxUs);
  const sum = (key: 'expected' | 'delivered' | 'duplicates' | 'misrouted' | 'disconnects') =>
    reports.reduce((total, report) => total + report[key], 0);
  const complete = reports.every(
    (report) => report.completedAtUs !== undefined || report.expected === 0,
  );
  return {
    histogram,
    expected: sum('expected'),
    delivered: sum('delivered'),
    lost: sum('expected') - sum('delivered'),
    duplicates: sum('duplicates'),
    misrouted: sum('misrouted'),
    disconnects: sum('disconnects'),
    completedAtUs: complete
      ? Math.max(...reports.map((report) => report.completedAtUs ?? 0))
      : undefined,
  };
}
