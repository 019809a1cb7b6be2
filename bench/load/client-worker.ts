import { Histogram } from './histogram';
import { BenchStream, WorkerTally } from './bench-stream';
import type { ClientCommand, ClientReport, OpenResult, StreamSpec } from './protocol';
import { serveCommands } from './worker-ipc';

/** A forked process holding a share of the SSE streams; the parent drives it over IPC. */
const tally: WorkerTally = {
  histogram: new Histogram(),
  duplicates: 0,
  misrouted: 0,
  incomplete: 0,
};
let streams: BenchStream[] = [];

/** Runs the openings with at most `concurrency` in flight; counts failures instead of throwing. */
async function settle(tasks: (() => Promise<void>)[], concurrency: number): Promise<OpenResult> {
  const result: OpenResult = { opened: 0, failed: 0 };
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      await tasks[next++]().then(
        () => result.opened++,
        (error: Error) => {
          result.failed++;
          result.firstError ??= error.message;
        },
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, lane));
  return result;
}

function open(port: number, specs: StreamSpec[], concurrency: number): Promise<OpenResult> {
  const fresh = specs.map((spec) => new BenchStream(spec, port, tally));
  streams.push(...fresh);
  return settle(
    fresh.map((stream) => () => stream.reader.open()),
    concurrency,
  );
}

function waitComplete(timeoutMs: number): Promise<ClientReport> {
  return new Promise((resolve) => {
    const timer = setTimeout(finish, timeoutMs);
    function finish() {
      clearTimeout(timer);
      tally.onComplete = undefined;
      resolve(report());
    }
    if (tally.incomplete <= 0) return finish();
    tally.onComplete = finish;
  });
}

function report(): ClientReport {
  return {
    histogram: tally.histogram.toSparse(),
    maxUs: tally.histogram.maxUs,
    expected: streams.reduce((sum, stream) => sum + stream.expected, 0),
    delivered: streams.reduce((sum, stream) => sum + stream.delivered, 0),
    duplicates: tally.duplicates,
    misrouted: tally.misrouted,
    completedAtUs: tally.incomplete <= 0 ? tally.completedAtUs : undefined,
  };
}

function handle(command: ClientCommand): unknown {
  switch (command.cmd) {
    case 'open':
      return open(command.port, command.streams, command.concurrency);
    case 'phase':
      tally.histogram.reset();
      Object.assign(tally, { duplicates: 0, misrouted: 0, completedAtUs: undefined });
      for (const stream of streams) stream.startPhase(command.phase);
      tally.incomplete = streams.filter((stream) => stream.expected > 0).length;
      return undefined;
    case 'wait':
      return waitComplete(command.timeoutMs);
    case 'disconnect':
      for (const stream of streams) stream.close();
      return undefined;
    case 'reopen':
      // A storm: every stream at once, resuming from the last id it saw.
      return settle(
        streams.map((stream) => () => stream.reader.open(stream.lastId)),
        streams.length,
      );
    case 'exit':
      for (const stream of streams) stream.close();
      streams = [];
      setImmediate(() => process.exit(0));
      return undefined;
  }
}

serveCommands(handle);
