import { ChildProcess, fork } from 'node:child_process';
import { resolve } from 'node:path';
import type { ClientHandlers, OpenResult, StreamSpec } from './client-worker';
import type { ProducerHandlers, ProduceJob, ProducerTarget } from './producer-worker';
import { Call, Handlers, nowUs, Phase, Reply } from './protocol';

/** How producers send: rows per statement at most, and a rest between a lane's statements. */
export type ProducerShape = Pick<ProduceJob, 'batch' | 'restMs'>;

/** Exact percentiles of latencies given in µs. */
function summarize(latenciesUs: number[]) {
  const sorted = Float64Array.from(latenciesUs).sort();
  const ms = (rank: number) => (sorted.length ? sorted[Math.max(0, rank)] / 1000 : 0);
  return {
    p50Ms: ms(Math.ceil(0.5 * sorted.length) - 1),
    p99Ms: ms(Math.ceil(0.99 * sorted.length) - 1),
    maxMs: ms(sorted.length - 1),
  };
}

const sum = <T>(items: T[], get: (item: T) => number) =>
  items.reduce((total, item) => total + get(item), 0);

const sumOpen = (results: OpenResult[]): OpenResult => ({
  failed: sum(results, (r) => r.failed),
  firstError: results.find((r) => r.firstError)?.firstError,
});

/** A forked worker running TypeScript sources, whose `handlers` are called over IPC. */
class Worker<H extends Handlers> {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Reply) => void>();

  constructor(script: string) {
    this.child = fork(resolve(__dirname, script), [], {
      execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
      env: { ...process.env, TS_NODE_PROJECT: resolve(__dirname, '../../tsconfig.json') },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (reply: Reply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    this.child.on('exit', (code) => {
      for (const settle of this.pending.values()) settle({ id: 0, error: `worker exited ${code}` });
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<M extends keyof H & string>(
    method: M,
    ...args: Parameters<H[M]>
  ): Promise<Awaited<ReturnType<H[M]>>> {
    return new Promise((resolve, reject) => {
      if (!this.child.connected) return reject(new Error('worker is gone'));
      const id = this.nextId++;
      this.pending.set(id, ({ result, error }) =>
        error === undefined
          ? resolve(result as Awaited<ReturnType<H[M]>>)
          : reject(new Error(error)),
      );
      this.child.send({ id, method, args } satisfies Call);
    });
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

/** Client workers holding the streams, and producer workers that feed the system. */
export class LoadGenerator {
  private readonly clients: Worker<ClientHandlers>[];
  private readonly producers: Worker<ProducerHandlers>[];

  constructor(clientWorkers: number, producerWorkers: number) {
    this.clients = Array.from({ length: clientWorkers }, () => new Worker('client-worker.ts'));
    this.producers = Array.from(
      { length: producerWorkers },
      () => new Worker('producer-worker.ts'),
    );
  }

  /** Every worker process, for the load generator's own CPU. */
  get pids(): number[] {
    return [...this.clients, ...this.producers].map((worker) => worker.pid);
  }

  /** Opens the streams, dealt round-robin over the client workers; fails if any does not open. */
  async open(port: number, streams: StreamSpec[], concurrency = 100): Promise<void> {
    const mine = (w: number) => streams.filter((_, i) => i % this.clients.length === w);
    const results = this.clients.map((client, w) =>
      client.call('open', port, mine(w), concurrency),
    );
    const { failed, firstError } = sumOpen(await Promise.all(results));
    if (failed > 0) throw new Error(`${failed} streams failed to open, first: ${firstError}`);
  }

  async startPhase(phase: Phase): Promise<void> {
    await Promise.all(this.clients.map((client) => client.call('startPhase', phase)));
  }

  /** `lanes` connections in all, spread over the producer workers, held until `closeProducers`. */
  async connectProducers(target: ProducerTarget, lanes: number): Promise<void> {
    const each = Math.max(1, Math.round(lanes / this.producers.length));
    await Promise.all(this.producers.map((producer) => producer.call('connect', target, each)));
  }

  async closeProducers(): Promise<void> {
    await Promise.all(this.producers.map((producer) => producer.call('close')));
  }

  /** Sends a phase at `rate` per second (0: as fast as the lanes go), open-loop. */
  async produce(phase: Phase, rate: number, shape: ProducerShape, userPrefix: string) {
    const job = { ...shape, phase, rate, userPrefix, startAtUs: nowUs() + 50_000 };
    const workers = this.producers.length;
    const results = await Promise.all(
      this.producers.map((producer, worker) =>
        producer.call('produce', { ...job, worker, workers }),
      ),
    );
    return {
      sent: sum(results, (r) => r.sent),
      errors: sum(results, (r) => r.errors),
      firstError: results.find((r) => r.firstError)?.firstError,
      elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
      /** How long rows waited for a free connection after they were due. */
      wait: summarize(results.flatMap((r) => r.waitsUs)),
    };
  }

  /** Waits until every stream has all its notifications of the phase, or the timeout. */
  async awaitPhase(timeoutMs: number) {
    const reports = await Promise.all(this.clients.map((client) => client.call('wait', timeoutMs)));
    const complete = reports.every((r) => r.completedAtUs !== undefined);
    return {
      latency: summarize(reports.flatMap((r) => r.latenciesUs)),
      lost: sum(reports, (r) => r.lost),
      duplicates: sum(reports, (r) => r.duplicates),
      /** Latest completion over all workers, CLOCK_MONOTONIC µs; undefined if any fell short. */
      completedAtUs: complete ? Math.max(...reports.map((r) => r.completedAtUs ?? 0)) : undefined,
    };
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.call('disconnect')));
  }

  /** Every stream reconnects at once with the last id it saw. */
  async reconnectAll(): Promise<OpenResult> {
    return sumOpen(await Promise.all(this.clients.map((client) => client.call('reopen'))));
  }

  async close(): Promise<void> {
    // A client worker already gone has nothing left to close.
    await Promise.all(this.clients.map((client) => client.call('exit'))).catch(() => undefined);
    for (const worker of [...this.clients, ...this.producers]) worker.kill();
  }
}
