import { Histogram } from './histogram';
import { BenchStream, WorkerTally } from './bench-stream';
import type {
  ClientCommand,
  ClientReport,
  FailoverReport,
  FailoverTimes,
  OpenResult,
  StreamSpec,
} from './protocol';
import { serveCommands } from './worker-ipc';

/** A forked process holding a share of the SSE streams; the parent drives it over IPC. */
const tally: WorkerTally = {
  histogram: new Histogram(),
  duplicates: 0,
  misrouted: 0,
  disconnects: 0,
  incomplete: 0,
};
let streams: BenchStream[] = [];
/** Streams armed to fail over by the last `failover` command. */
let armed = 0;

async function openAll(
  port: number,
  specs: StreamSpec[],
  concurrency: number,
): Promise<OpenResult> {
  const fresh = specs.map((spec) => new BenchStream(spec, port, tally));
  streams.push(...fresh);
  return settle(
    fresh.map((stream) => () => stream.reader.open()),
    concurrency,
  );
}

/** Runs the openings with at most `concurrency` in flight; counts failures instead of throwing. */
async function settle(tasks: (() => Promise<void>)[], concurrency: number): Promise<OpenResult> {
  const result: OpenResult = { opened: 0, failed: 0 };
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      await task().then(
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
  const expected = streams.reduce((sum, stream) => sum + stream.expectedCount, 0);
  const delivered = streams.reduce((sum, stream) => sum + stream.delivered, 0);
  return {
    histogram: tally.histogram.toSparse(),
    maxUs: tally.histogram.maxUs,
    expected,
    delivered,
    duplicates: tally.duplicates,
    misrouted: tally.misrouted,
    disconnects: tally.disconnects,
    completedAtUs: tally.incomplete <= 0 ? tally.completedAtUs : undefined,
  };
}

function handle(command: ClientCommand): unknown {
  switch (command.cmd) {
    case 'open':
      return openAll(command.port, command.streams, command.concurrency);
    case 'phase':
      tally.histogram.reset();
      Object.assign(tally, {
        duplicates: 0,
        misrouted: 0,
        disconnects: 0,
        completedAtUs: undefined,
      });
      for (const stream of streams) stream.startPhase(command.phase);
      tally.incomplete = streams.filter((stream) => stream.expectedCount > 0).length;
      return undefined;
    case 'wait':
      return waitComplete(command.timeoutMs);
    case 'report':
      return report();
    case 'disconnect':
      for (const stream of streams) stream.close();
      return undefined;
    case 'reopen':
      // A storm: every stream at once, resuming from the last id it saw.
      return settle(
        streams.map((stream) => () => stream.reader.open(stream.lastId)),
        streams.length,
      );
    case 'failover': {
      const from = streams.filter((stream) => stream.port === command.from);
      for (const stream of from) stream.failOverTo(command.to);
      armed = from.length;
      return armed;
    }
    case 'failovers': {
      const times = streams.map((stream) => stream.failoverTimes());
      const ended = times.filter((time): time is FailoverTimes => time !== undefined);
      return { armed, ended } satisfies FailoverReport;
    }
    case 'exit':
      for (const stream of streams) stream.close();
      streams = [];
      setImmediate(() => process.exit(0));
      return undefined;
  }
}

serveCommands(handle);
