import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import express from 'express';
import { pinoHttp } from 'pino-http';
import { takeOverSocket } from './socket-sink';
import type { StreamSink } from './stream-sink';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
};

/** A raw client: the exact bytes the server sent, and whether it closed the connection. */
class RawClient {
  received = '';
  closed = false;
  readonly socket: Socket;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => (this.received += chunk));
    this.socket.on('close', () => (this.closed = true));
  }

  async waitFor(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${this.received}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

/**
 * The real stack in front of the stream: Express with pino-http, whose log goes to `logLines`.
 * `/events` takes the socket over; `/other` is an ordinary answer.
 */
function startServer(
  onSink: (sink: StreamSink, request: IncomingMessage, response: ServerResponse) => void,
) {
  const logLines: string[] = [];
  const app = express();
  const log = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  app.use(pinoHttp({ logger: undefined, stream: log } as never));
  app.get('/events', (request, response) => {
    response.setHeader('Vary', 'Origin');
    onSink(takeOverSocket(request, response, STREAM_HEADERS), request, response);
  });
  app.get('/other', (_request, response) => void response.send('second response'));
  return { server: createServer(app), logLines };
}

describe('takeOverSocket', () => {
  let server: Server;
  let port: number;
  let sinks: StreamSink[];
  let logLines: string[];
  const clients: RawClient[] = [];

  const listen = async (
    onSink: (
      sink: StreamSink,
      request: IncomingMessage,
      response: ServerResponse,
    ) => void = () => {},
  ) => {
    sinks = [];
    ({ server, logLines } = startServer((sink, request, response) => {
      sinks.push(sink);
      onSink(sink, request, response);
    }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  };
  const client = () => {
    const opened = new RawClient(port);
    clients.push(opened);
    return opened;
  };
  const headOf = (client: RawClient) => client.received.split('\r\n\r\n')[0];

  afterEach(async () => {
    for (const opened of clients.splice(0)) opened.socket.destroy();
    for (const sink of sinks) sink.destroy();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  it('writes the head with the headers already set, Connection: close and no chunked framing, then frames as they are', async () => {
    await listen((sink) => sink.write('retry: 3000\n\n'));
    const reader = client();
    reader.socket.write(get('/events'));
    await reader.waitFor(() => reader.received.endsWith('retry: 3000\n\n'), 'the first frame');
    sinks[0].write(Buffer.from('id: 1\ndata: {}\n\n'));
    await reader.waitFor(() => reader.received.endsWith('data: {}\n\n'), 'a frame');

    const [statusLine, ...headerLines] = headOf(reader).split('\r\n');
    expect(statusLine).toBe('HTTP/1.1 200 OK');
    expect(headerLines).toEqual(
      expect.arrayContaining([
        'Content-Type: text/event-stream',
        'Cache-Control: no-cache, no-transform',
        'X-Accel-Buffering: no',
        'vary: Origin',
        'Connection: close',
      ]),
    );
    expect(headerLines.some((line) => /^date: /i.test(line))).toBe(true);
    expect(headerLines.some((line) => /^(transfer-encoding|content-length):/i.test(line))).toBe(
      false,
    );
    expect(reader.received.split('\r\n\r\n')[1]).toBe('retry: 3000\n\nid: 1\ndata: {}\n\n');
  });

  it.each([
    ['pipelined with it', get('/events') + get('/other'), ''],
    ['sent on the same connection later (keep-alive)', get('/events'), get('/other')],
    ['sent both ways', get('/events') + get('/other'), get('/other') + get('/other')],
  ])('puts no second response on the socket for a request %s', async (_case, first, later) => {
    await listen((sink) => sink.write('retry: 3000\n\n'));
    const reader = client();
    reader.socket.write(first);
    await reader.waitFor(() => reader.received.endsWith('retry: 3000\n\n'), 'the stream');
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (later) reader.socket.write(later);
    await new Promise((resolve) => setTimeout(resolve, 100));
    sinks[0].write('data: still the stream\n\n');
    await reader.waitFor(() => reader.received.endsWith('still the stream\n\n'), 'a frame');

    expect(reader.received).not.toContain('second response');
    expect(reader.received.match(/HTTP\/1\.1/g)).toHaveLength(1);
    expect(reader.received.split('\r\n\r\n')[1]).toBe('retry: 3000\n\ndata: still the stream\n\n');
  });

  it('logs the request exactly once, at the take-over, and nothing more when the stream ends', async () => {
    await listen();
    const reader = client();
    reader.socket.write(get('/events'));
    await reader.waitFor(() => reader.received.includes('\r\n\r\n'), 'the head');
    expect(logLines).toHaveLength(1);
    expect(JSON.parse(logLines[0])).toMatchObject({
      msg: 'request completed',
      res: { statusCode: 200 },
      req: { url: '/events' },
    });
    sinks[0].end();
    await reader.waitFor(() => reader.closed, 'the end of the stream');
    expect(logLines).toHaveLength(1);
  });

  it('keeps neither the request nor the response reachable', async () => {
    const weak: WeakRef<object>[] = [];
    await listen((_sink, request, response) =>
      weak.push(new WeakRef(request), new WeakRef(response)),
    );
    const reader = client();
    reader.socket.write(get('/events'));
    await reader.waitFor(() => reader.received.includes('\r\n\r\n'), 'the head');
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 10));
    collectGarbage();
    expect(weak.map((ref) => ref.deref() === undefined)).toEqual([true, true]);
    sinks[0].write('data: alive\n\n');
    await reader.waitFor(() => reader.received.endsWith('alive\n\n'), 'a frame after the GC');
  });

  it('reports unsent bytes and drains when a stalled client reads again', async () => {
    await listen();
    const reader = client();
    reader.socket.write(get('/events'));
    await reader.waitFor(() => sinks.length === 1, 'the take-over');
    reader.socket.pause();
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let writes = 0;
    while (sinks[0].write(chunk)) {
      writes++;
      expect(writes).toBeLessThan(10_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sinks[0].writableNeedDrain).toBe(true);
    expect(sinks[0].writableLength).toBeGreaterThan(0);
    const drained = new Promise<void>((resolve) => sinks[0].on('drain', resolve));
    reader.socket.resume();
    await drained;
    expect(sinks[0].writableNeedDrain).toBe(false);
  });

  it('ends after flushing, destroys at once, and closes when the client goes', async () => {
    await listen();
    const [ending, destroyed, leaving] = [client(), client(), client()];
    for (const opened of [ending, destroyed, leaving]) {
      opened.socket.write(get('/events'));
      await opened.waitFor(() => opened.received.includes('\r\n\r\n'), 'the head');
    }
    const closes = sinks.map((sink) => new Promise<void>((resolve) => sink.whenClosed(resolve)));

    sinks[0].write('data: last\n\n');
    sinks[0].end();
    await ending.waitFor(() => ending.closed, 'the graceful end');
    expect(ending.received.endsWith('data: last\n\n')).toBe(true);

    sinks[1].destroy();
    await destroyed.waitFor(() => destroyed.closed, 'the destroyed stream to close');

    leaving.socket.end();
    await Promise.all(closes);
    expect(sinks[2].write('data: too late\n\n')).toBe(false);
  });
});
