/**
 * What an idle SSE stream costs in a Node process, by what the process keeps of it: Express
 * with its ServerResponse, bare http with its ServerResponse, the socket alone after
 * `takeOverSocket` (bare, and behind Express + pino-http as the service runs it), and a bare
 * `net` server. A client process opens the streams over raw sockets; the figure is the
 * server's RSS delta (after a full GC, before and after) divided by the stream count, after a
 * warm-up round of streams opened and closed.
 *
 *   ulimit -n "$(ulimit -Hn)"
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/memory-floor.ts [--streams=8000]
 */
import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { takeOverSocket } from '../apps/notifier/src/stream/socket-sink';

const HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
};
const FIRST_FRAME = 'retry: 3000\n\n';
const CONNECT_CONCURRENCY = 200;

const VARIANTS = {
  'express, keeps ServerResponse': () => {
    const app = express();
    app.get('/events', (request, response) => keepResponse(request, response));
    return createHttpServer(app);
  },
  'http, keeps ServerResponse': () => createHttpServer(keepResponse),
  'http, socket taken over': () => createHttpServer(keepTakenOverSocket),
  'express + pino-http, socket taken over': () => {
    const app = express();
    app.use(pinoHttp({ logger: pino(pino.destination('/dev/null')) }));
    app.get('/events', keepTakenOverSocket);
    return createHttpServer(app);
  },
  'net, keeps Socket': () =>
    createNetServer((socket) => {
      socket.once('data', () => {
        const head = Object.entries(HEADERS).map(([name, value]) => `${name}: ${value}\r\n`);
        socket.write(`HTTP/1.1 200 OK\r\n${head.join('')}Connection: close\r\n\r\n${FIRST_FRAME}`);
        keep(socket);
      });
    }),
} satisfies Record<string, () => Server>;

type Variant = keyof typeof VARIANTS;

const kept = new Set<unknown>();

function keep(stream: { once(event: 'close', listener: () => void): unknown }): void {
  kept.add(stream);
  stream.once('close', () => kept.delete(stream));
}

function keepResponse(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, HEADERS);
  response.write(FIRST_FRAME);
  keep(response);
}

function keepTakenOverSocket(request: IncomingMessage, response: ServerResponse): void {
  const sink = takeOverSocket(request, response, HEADERS);
  sink.write(FIRST_FRAME);
  kept.add(sink);
  sink.on('close', () => kept.delete(sink));
}

interface Measured {
  rssKiB: number;
  heapUsedKiB: number;
  externalKiB: number;
  streams: number;
}

/** The server process: listens, and measures itself after a full GC whenever asked. */
async function serve(variant: Variant): Promise<void> {
  const server = VARIANTS[variant]();
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  await once(server, 'listening');
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run the server with --expose-gc');
  process.on('message', () => {
    collect();
    collect();
    const usage = process.memoryUsage();
    const measured: Measured = {
      rssKiB: usage.rss / 1024,
      heapUsedKiB: usage.heapUsed / 1024,
      externalKiB: (usage.external + usage.arrayBuffers) / 1024,
      streams: kept.size,
    };
    process.send?.(measured);
  });
  process.send?.({ port: (server.address() as AddressInfo).port });
}

/** The client process: opens the streams over raw sockets and holds them until killed. */
async function openStreams(port: number, count: number): Promise<void> {
  const sockets: Socket[] = [];
  const openOne = () =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.setEncoding('latin1');
      socket.once('error', reject);
      socket.on('data', (chunk: string) => {
        received += chunk;
        if (!received.includes(FIRST_FRAME)) return;
        socket.removeAllListeners('data');
        socket.on('data', () => undefined);
        resolve();
      });
      socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      sockets.push(socket);
    });
  let next = 0;
  const opener = async () => {
    while (next < count) {
      next++;
      await openOne();
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, opener));
  process.send?.({ open: sockets.length });
}

async function request<T>(child: ChildProcess, message?: object): Promise<T> {
  const answer = once(child, 'message') as Promise<[T]>;
  if (message) child.send(message);
  return (await answer)[0];
}

async function measure(variant: Variant, streams: number) {
  const server = fork(__filename, [`--serve=${variant}`], {
    execArgv: [...process.execArgv, '--expose-gc'],
  });
  try {
    const { port } = await request<{ port: number }>(server);
    await warmUp(server, port, streams);
    const before = await request<Measured>(server, {});
    const client = fork(__filename, [`--open=${port},${streams}`]);
    try {
      await request<{ open: number }>(client);
      const after = await request<Measured>(server, {});
      if (after.streams !== streams) throw new Error(`${variant}: ${after.streams} streams kept`);
      const perStream = (field: keyof Measured) => (after[field] - before[field]) / streams;
      return {
        variant,
        kibPerStream: perStream('rssKiB'),
        heapKibPerStream: perStream('heapUsedKiB'),
        externalKibPerStream: perStream('externalKiB'),
      };
    } finally {
      client.kill('SIGKILL');
    }
  } finally {
    server.kill('SIGKILL');
  }
}

/**
 * Opens and closes as many streams first, so that what grows once and stays (V8's heap pages
 * after the garbage of opening them, pools) is in the baseline: the delta is what streams hold.
 */
async function warmUp(server: ChildProcess, port: number, streams: number): Promise<void> {
  const client = fork(__filename, [`--open=${port},${streams}`]);
  await request<{ open: number }>(client);
  client.kill('SIGKILL');
  const deadline = Date.now() + 30_000;
  while ((await request<Measured>(server, {})).streams > 0) {
    if (Date.now() > deadline) throw new Error('the warm-up streams did not close');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  const streams = Number(argument('streams') ?? 8000);
  process.stdout.write(
    `${streams} idle streams per variant, Node ${process.version}; KiB per stream:\n\n` +
      '| server keeps | RSS | V8 heap | external |\n| --- | --- | --- | --- |\n',
  );
  for (const variant of Object.keys(VARIANTS) as Variant[]) {
    const result = await measure(variant, streams);
    const cells = [result.kibPerStream, result.heapKibPerStream, result.externalKibPerStream];
    process.stdout.write(`| ${variant} | ${cells.map((kib) => kib.toFixed(1)).join(' | ')} |\n`);
  }
}

function argument(name: string): string | undefined {
  return process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const served = argument('serve');
const opened = argument('open');
const role = served
  ? serve(served as Variant)
  : opened
    ? openStreams(...(opened.split(',').map(Number) as [number, number]))
    : main();
role.catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
