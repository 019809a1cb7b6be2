/**
 * How Node 20's cluster hands a reconnect storm to its workers: round-robin by the primary
 * (`NODE_CLUSTER_SCHED_POLICY=rr`, the default off Windows) or accepted by the workers from the
 * shared socket (`none`). Two workers hold SSE-like responses; a client process opens
 * `--streams` connections at once and waits for every head. Prints the time that took and how
 * many streams each worker got.
 *
 *   ulimit -n "$(ulimit -Hn)"
 *   node -r ts-node/register/transpile-only bench/cluster-scheduling.ts [--streams=4000]
 */
import { fork } from 'node:child_process';
import cluster from 'node:cluster';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';

const WORKERS = 2;
const CONNECT_CONCURRENCY = 500;

function argument(name: string): string | undefined {
  return process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** A worker: answers every request with a stream head and keeps the response. */
function serve(): void {
  let streams = 0;
  const kept = new Set<unknown>();
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/event-stream' });
    response.write('retry: 3000\n\n');
    kept.add(response);
    streams++;
  });
  // Port 0 in a cluster: the primary picks one port, and every worker shares it.
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () =>
    process.send?.({ port: (server.address() as AddressInfo).port }),
  );
  process.on('message', () => process.send?.({ streams }));
}

/** The cluster primary of one policy: forks, reports the port's readiness and the counts. */
async function primary(): Promise<void> {
  const workers = Array.from({ length: WORKERS }, () => cluster.fork());
  const [[{ port }]] = (await Promise.all(workers.map((worker) => once(worker, 'message')))) as [
    [{ port: number }],
  ];
  process.send?.({ port });
  const report = async () => {
    const counts = await Promise.all(
      workers.map(async (worker) => {
        worker.send({});
        return ((await once(worker, 'message')) as [{ streams: number }])[0].streams;
      }),
    );
    process.send?.({ counts });
  };
  process.on('message', () => void report());
}

/** The client: opens the streams at once, prints how long until every head arrived. */
async function storm(port: number, count: number): Promise<void> {
  const started = process.hrtime.bigint();
  let next = 0;
  const sockets: unknown[] = [];
  const openOne = () =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      socket.once('error', reject);
      socket.once('data', () => resolve());
      socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
  const opener = async () => {
    while (next++ < count) await openOne();
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, opener));
  process.send?.({ ms: Number(process.hrtime.bigint() - started) / 1e6, open: sockets.length });
}

async function measure(policy: 'rr' | 'none', streams: number) {
  const env = { ...process.env, NODE_CLUSTER_SCHED_POLICY: policy };
  const server = fork(__filename, ['--primary'], { env });
  try {
    const [{ port }] = (await once(server, 'message')) as [{ port: number }];
    const client = fork(__filename, [`--storm=${port},${streams}`]);
    const [{ ms }] = (await once(client, 'message')) as [{ ms: number }];
    server.send({});
    const [{ counts }] = (await once(server, 'message')) as [{ counts: number[] }];
    client.kill('SIGKILL');
    return { policy, ms, counts };
  } finally {
    server.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const streams = Number(argument('streams') ?? 4000);
  process.stdout.write(
    `${streams} connections at once, ${WORKERS} workers, Node ${process.version}\n`,
  );
  for (const policy of ['rr', 'none', 'rr', 'none'] as const) {
    const result = await measure(policy, streams);
    process.stdout.write(
      `${result.policy}: every head in ${result.ms.toFixed(0)} ms; streams per worker ${result.counts.join(' / ')}\n`,
    );
  }
}

const stormed = argument('storm');
const role = cluster.isWorker
  ? Promise.resolve(serve())
  : process.argv.includes('--primary')
    ? primary()
    : stormed
      ? storm(...(stormed.split(',').map(Number) as [number, number]))
      : main();
role.catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
