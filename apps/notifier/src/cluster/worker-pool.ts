import cluster, { Worker } from 'node:cluster';
import { pino, Logger } from 'pino';
import type { InstanceSetup, PrimaryMessage } from './cluster-messages';
import { isWorkerMessage } from './cluster-messages';
import { ClusterMetricsCollector } from './cluster-metrics';

/** A worker that crashes again soon after its restart waits longer each time, up to this. */
const MAX_RESTART_DELAY_MS = 30_000;
const FIRST_RESTART_DELAY_MS = 250;
/** A worker that ran this long before dying is restarted without the accumulated backoff. */
const STABLE_AFTER_MS = 60_000;

interface Slot {
  index: number;
  worker?: Worker;
  startedAt: number;
  listening: boolean;
  restarts: number;
  restartTimer?: NodeJS.Timeout;
}

export interface WorkerPoolOptions {
  workers: number;
  setup: InstanceSetup;
  /** Once, when every worker listens for the first time. */
  onAllListening(): void;
}

/**
 * The cluster primary: N worker processes on one port, each a whole instance (own listener,
 * hub and pool; the advisory lock elects one ingest leader among them). It restarts a worker
 * that dies, with backoff, and on a signal forwards SIGTERM to all and resolves when all exited.
 *
 * Modes: starting (a worker that dies before its first `listening` fails the whole start:
 * the configuration or the database is wrong, and restarting would only loop), running,
 * stopping.
 */
export class WorkerPool {
  private mode: 'starting' | 'running' | 'stopping' = 'starting';
  private readonly slots: Slot[];
  private readonly log: Logger;
  /** 1 once a worker failed to start or did not exit cleanly when stopped. */
  private exitCode = 0;
  private settle?: (code: number) => void;
  private readonly metrics = new ClusterMetricsCollector();

  constructor(
    private readonly options: WorkerPoolOptions,
    logLevel: string,
  ) {
    this.log = pino({ level: logLevel, base: { pid: process.pid, role: 'cluster-primary' } });
    this.slots = Array.from({ length: options.workers }, (_, index) => ({
      index,
      startedAt: 0,
      listening: false,
      restarts: 0,
    }));
  }

  /** Starts every worker; resolves with the exit code the primary should exit with. */
  run(): Promise<number> {
    const finished = new Promise<number>((resolve) => (this.settle = resolve));
    // Structured clone, not JSON: a gauge that reads NaN (unknown) must not arrive as null.
    cluster.setupPrimary({ serialization: 'advanced' });
    cluster.on('message', this.onMessage);
    cluster.on('exit', this.onExit);
    for (const slot of this.slots) this.fork(slot);
    this.log.info(`Starting ${this.slots.length} worker processes`);
    return finished;
  }

  /** Forwards SIGTERM to every worker; a second call kills those still running. */
  stop(reason: string): void {
    if (this.mode === 'stopping') {
      this.log.warn(`${reason} again: killing the workers still running`);
      for (const slot of this.slots) slot.worker?.process.kill('SIGKILL');
      return;
    }
    this.mode = 'stopping';
    this.log.info(`${reason}: stopping ${this.liveWorkers().length} workers`);
    for (const slot of this.slots) {
      clearTimeout(slot.restartTimer);
      slot.worker?.process.kill('SIGTERM');
    }
    this.finishIfAllExited();
  }

  private fork(slot: Slot): void {
    slot.worker = cluster.fork();
    slot.startedAt = Date.now();
    slot.listening = false;
    this.log.info({ worker: slot.index, workerPid: slot.worker.process.pid }, 'Worker started');
  }

  private readonly onMessage = (worker: Worker, message: unknown) => {
    if (!isWorkerMessage(message)) return;
    const slot = this.slots.find((candidate) => candidate.worker === worker);
    if (!slot) return;
    if (message.type === 'setup-request') {
      const answer: PrimaryMessage = { type: 'setup', setup: this.options.setup };
      worker.send(answer);
      return;
    }
    if (message.type === 'metrics-request') return this.answerMetrics(worker, message.requestId);
    if (message.type === 'metrics-part') return this.metrics.receive(worker, message);
    slot.listening = true;
    this.log.info({ worker: slot.index, workerPid: worker.process.pid }, 'Worker listening');
    if (this.mode === 'starting' && this.slots.every((candidate) => candidate.listening)) {
      this.mode = 'running';
      this.options.onAllListening();
    }
  };

  private readonly onExit = (worker: Worker, code: number | null, signal: string | null) => {
    const slot = this.slots.find((candidate) => candidate.worker === worker);
    if (!slot) return;
    slot.worker = undefined;
    this.metrics.forget(worker);
    const how = { worker: slot.index, workerPid: worker.process.pid, code, signal };
    if (this.mode === 'stopping') {
      // Dying of the forwarded SIGTERM is clean: only a worker still starting has no handler.
      if (code !== 0 && signal !== 'SIGTERM') this.exitCode = 1;
      this.log.info(how, 'Worker exited');
      this.finishIfAllExited();
      return;
    }
    if (this.mode === 'starting' && !slot.listening) {
      this.log.error(how, 'Worker died before it listened: stopping the others');
      this.exitCode = 1;
      this.stop('Start-up failed');
      return;
    }
    if (Date.now() - slot.startedAt > STABLE_AFTER_MS) slot.restarts = 0;
    const delayMs = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** slot.restarts);
    slot.restarts++;
    this.log.error({ ...how, restartInMs: delayMs }, 'Worker died: restarting it');
    slot.restartTimer = setTimeout(() => this.fork(slot), delayMs);
  };

  /** Only listening workers are asked: one still starting would hold every scrape back. */
  private answerMetrics(worker: Worker, requestId: number): void {
    const listening = this.slots.flatMap((slot) =>
      slot.worker && slot.listening ? [slot.worker] : [],
    );
    const answer = (reply: Omit<Extract<PrimaryMessage, { type: 'metrics-answer' }>, 'type'>) => {
      if (worker.isConnected()) worker.send({ type: 'metrics-answer', ...reply });
    };
    this.metrics.collect(listening).then(
      (text) => answer({ requestId, text }),
      (error: Error) => {
        this.log.warn(`Collecting the workers' metrics failed: ${error.message}`);
        answer({ requestId, error: error.message });
      },
    );
  }

  private liveWorkers(): Worker[] {
    return this.slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));
  }

  private finishIfAllExited(): void {
    if (this.liveWorkers().length > 0) return;
    cluster.off('message', this.onMessage);
    cluster.off('exit', this.onExit);
    this.settle?.(this.exitCode);
  }
}
