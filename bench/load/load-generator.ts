import { Histogram, LatencySummary, nowUs } from './histogram';
import type { ClientCommand, ClientReport, OpenResult, Phase, ProduceJob } from './protocol';
import type { ProducerCommand, ProducerResult, ProducerTarget, StreamSpec } from './protocol';
import { WorkerHandle } from './worker-ipc';

export interface PhaseOutcome {
  histogram: Histogram;
  expected: number;
  delivered: number;
  lost: number;
  /** Received twice, or by a stream of another user. */
  duplicates: number;
  /** Latest completion over all workers, CLOCK_MONOTONIC µs; undefined if any fell short. */
  completedAtUs?: number;
}

/** How producers send: rows per statement at most, and a rest between a lane's statements. */
export type ProducerShape = Pick<ProduceJob, 'batch' | 'restMs'>;

export interface Produced {
  sent: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  /** How long rows waited for a free connection after they were due. */
  wait: LatencySummary;
}

const sum = <T>(items: T[], get: (item: T) => number) =>
  items.reduce((total, item) => total + get(item), 0);

/** Client workers holding the streams, and producer workers that feed the system. */
export class LoadGenerator {
  private readonly clients: WorkerHandle<ClientCommand>[];
  private readonly producers: WorkerHandle<ProducerCommand>[];

  constructor(clientWorkers: number, producerWorkers: number) {
    const fork = (script: string) => () => new WorkerHandle<never>(script);
    this.clients = Array.from({ length: clientWorkers }, fork('client-worker.ts'));
    this.producers = Array.from({ length: producerWorkers }, fork('producer-worker.ts'));
  }

  /** Every worker process, for the load generator's own CPU. */
  get pids(): number[] {
    return [...this.clients, ...this.producers].map((worker) => worker.pid);
  }

  private toClients<R>(command: (worker: number) => ClientCommand): Promise<R[]> {
    return Promise.all(this.clients.map((client, w) => client.request<R>(command(w))));
  }

  /** Opens the streams, dealt round-robin over the client workers. */
  async open(port: number, streams: StreamSpec[], concurrency = 100): Promise<OpenResult> {
    const mine = (w: number) => streams.filter((_, i) => i % this.clients.length === w);
    return sumOpen(
      await this.toClients((w) => ({ cmd: 'open', port, streams: mine(w), concurrency })),
    );
  }

  async startPhase(phase: Phase): Promise<void> {
    await this.toClients(() => ({ cmd: 'phase', phase }));
  }

  /** `lanes` connections in all, spread over the producer workers, held until `closeProducers`. */
  async connectProducers(target: ProducerTarget, lanes: number): Promise<void> {
    const each = Math.max(1, Math.round(lanes / this.producers.length));
    await Promise.all(
      this.producers.map((p) => p.request({ cmd: 'connect', target, lanes: each })),
    );
  }

  async closeProducers(): Promise<void> {
    await Promise.all(this.producers.map((producer) => producer.request({ cmd: 'close' })));
  }

  /** Sends a phase at `rate` per second (0: as fast as the lanes go), open-loop. */
  async produce(phase: Phase, rate: number, shape: ProducerShape, userPrefix: string) {
    const job = { phase, rate, startAtUs: nowUs() + 50_000, workers: this.producers.length };
    const results = await Promise.all(
      this.producers.map((producer, worker) =>
        producer.request<ProducerResult>({
          cmd: 'produce',
          job: { ...job, ...shape, worker, userPrefix },
        }),
      ),
    );
    const wait = new Histogram();
    for (const result of results) wait.merge(result.wait, result.waitMaxUs);
    const produced: Produced = {
      sent: sum(results, (r) => r.sent),
      errors: sum(results, (r) => r.errors),
      firstError: results.find((r) => r.firstError)?.firstError,
      elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
      wait: wait.summary(),
    };
    return produced;
  }

  /** Waits until every stream has all its notifications of the phase, or the timeout. */
  async awaitPhase(timeoutMs: number): Promise<PhaseOutcome> {
    const reports = await this.toClients<ClientReport>(() => ({ cmd: 'wait', timeoutMs }));
    const histogram = new Histogram();
    for (const report of reports) histogram.merge(report.histogram, report.maxUs);
    const complete = reports.every((r) => r.completedAtUs !== undefined || r.expected === 0);
    const expected = sum(reports, (r) => r.expected);
    const delivered = sum(reports, (r) => r.delivered);
    return {
      histogram,
      expected,
      delivered,
      lost: expected - delivered,
      duplicates: sum(reports, (r) => r.duplicates + r.misrouted),
      completedAtUs: complete ? Math.max(...reports.map((r) => r.completedAtUs ?? 0)) : undefined,
    };
  }

  async disconnect(): Promise<void> {
    await this.toClients(() => ({ cmd: 'disconnect' }));
  }

  /** Every stream reconnects at once with the last id it saw. */
  async reconnectAll(): Promise<OpenResult> {
    return sumOpen(await this.toClients(() => ({ cmd: 'reopen' })));
  }

  async close(): Promise<void> {
    // A client worker already gone has nothing left to close.
    await this.toClients(() => ({ cmd: 'exit' })).catch(() => undefined);
    for (const worker of [...this.clients, ...this.producers]) worker.kill();
  }
}

function sumOpen(results: OpenResult[]): OpenResult {
  return {
    opened: sum(results, (r) => r.opened),
    failed: sum(results, (r) => r.failed),
    firstError: results.find((r) => r.firstError)?.firstError,
  };
}
