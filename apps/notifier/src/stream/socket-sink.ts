import { createRequire } from 'node:module';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { StreamSink } from './stream-sink';

/**
 * The listeners Node's HTTP server (lib/_http_server.js) puts on every connection, by the name
 * of their function, which are exactly what Node removes itself when it hands a socket to an
 * 'upgrade' listener. Other listeners (Nest's open-connection tracking, net's own) stay.
 */
const HTTP_SERVER_LISTENERS: Record<string, readonly string[]> = {
  data: ['socketOnData'],
  end: ['socketOnEnd'],
  close: ['socketOnClose', 'onServerResponseClose'],
  drain: ['socketOnDrain'],
  error: ['socketOnError'],
  timeout: ['socketOnTimeout'],
  pause: ['onSocketPause'],
  resume: ['onSocketResume'],
};

/** Headers of a stream that the response head must not carry: the body ends when the socket does. */
const FRAMING_HEADERS = new Set([
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
]);

interface HttpParser {
  _consumed?: boolean;
  unconsume(): void;
}

type FreeParser = (
  this: void,
  parser: HttpParser,
  request: IncomingMessage,
  socket: Socket,
) => void;

/**
 * Node's own parser release, the one its upgrade path calls: it stops the parser reading the
 * socket, takes it off the server's connection list (request and headers timeouts) and returns
 * it to the pool. `_http_common` is not documented: a Node without it gets the plain response.
 */
const freeParser = loadFreeParser();

function loadFreeParser(): FreeParser | undefined {
  try {
    const internals = createRequire(__filename)('_http_common') as { freeParser?: unknown };
    return typeof internals.freeParser === 'function'
      ? (internals.freeParser as FreeParser)
      : undefined;
  } catch {
    return undefined; // what that means is said by unknownHttpInternals, once per process
  }
}

/**
 * What this Node lacks of the internals takeOverSocket relies on, or undefined when it has them
 * all. Taking a socket over blindly could corrupt the stream, so the caller answers otherwise.
 */
export function unknownHttpInternals(socket: Socket): string | undefined {
  if (!freeParser) return 'no _http_common.freeParser';
  if (!(socket as Socket & { parser?: HttpParser | null }).parser) return 'no parser on the socket';
  if (!hasHttpServerListeners(socket))
    return "the HTTP server's socket listeners are not the known ones";
  return undefined;
}

/**
 * Ends the HTTP exchange at the response head and hands back the bare socket, so that a live
 * stream holds only that instead of the socket plus request, response, parser and the
 * Express/pino objects hanging off them: 1.8 KiB of V8 heap per idle stream instead of 9.2
 * behind Express (a bare `net` socket: 1.1; bench/memory-floor.ts, Node 20).
 *
 * The head is written here, with `Connection: close` and no chunked encoding (HTTP/1.1 lets the
 * body end when the connection does), plus the headers middleware already set on the response
 * (CORS, Vary). Node's HTTP server stops reading the socket, so neither keep-alive nor a
 * pipelined request can put a second response on it: whatever the client sends afterwards is
 * read and dropped, and its FIN ends the stream. The response is then finished for everyone
 * who watches it, once: pino-http writes its one line for the request (status 200, the time to
 * the head), and nothing keeps the request or the response reachable.
 */
export function takeOverSocket(
  request: IncomingMessage,
  response: ServerResponse,
  headers: OutgoingHttpHeaders,
): StreamSink {
  const socket = request.socket;
  if (response.headersSent || socket.destroyed || response.socket !== socket) {
    throw new Error('takeOverSocket needs a live response whose head was not sent');
  }
  const unknown = unknownHttpInternals(socket);
  if (unknown || !freeParser)
    throw new Error(`takeOverSocket cannot take this socket over: ${unknown}`);
  const parser = (socket as Socket & { parser: HttpParser }).parser;
  const release = freeParser;
  const sink = new SocketSink(socket);
  sink.write(responseHead(response, headers));
  // This runs inside the parser's execute (the request handler is its callback), and freeing
  // a parser there breaks the requests it still parses. Until the release, the response stays
  // the socket's current one, so a pipelined request only queues behind it and is dropped.
  setImmediate(() => {
    // Node's HTTP server closed it all, and logged it, already.
    if (socket.destroyed) return sink.closed();
    releaseFromHttpServer(request, response, socket, () => release(parser, request, socket));
    sink.listen();
  });
  return sink;
}

function responseHead(response: ServerResponse, headers: OutgoingHttpHeaders): string {
  const merged = new Map<string, [string, OutgoingHttpHeaders[string]]>();
  const all = [...Object.entries(response.getHeaders()), ...Object.entries(headers)];
  for (const [name, value] of all) merged.set(name.toLowerCase(), [name, value]);
  const lines = ['HTTP/1.1 200 OK', `Date: ${new Date().toUTCString()}`];
  for (const [lowerName, [name, value]] of merged) {
    if (value === undefined || FRAMING_HEADERS.has(lowerName) || lowerName === 'date') continue;
    for (const single of Array.isArray(value) ? value : [String(value)]) {
      // Both throw on a CR or LF: no header can split the head.
      validateHeaderName(name);
      validateHeaderValue(name, single);
      lines.push(`${name}: ${single}`);
    }
  }
  lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * What Node does itself before it emits 'upgrade': its listeners off the socket (they hold the
 * server's per-connection state, the request queue among it), the parser freed (`freeParser`), the response
 * detached. Then the response is finished for whoever watches it (pino-http logs it once).
 */
function releaseFromHttpServer(
  request: IncomingMessage,
  response: ServerResponse,
  socket: Socket,
  releaseParser: () => void,
): void {
  removeHttpServerListeners(socket);
  releaseParser();
  response.detachSocket(socket);
  socket.setTimeout(0);
  // Without a socket, end() only marks the response ended (its own head stays unsent); 'close'
  // is what Node emits for a finished response, so pino-http logs it: 200, "request completed".
  response.statusCode = 200;
  response.end();
  response.emit('close');
}

function hasHttpServerListeners(socket: Socket): boolean {
  return socket
    .listeners('data')
    .some((listener) => listener.name.replace(/^bound /, '') === 'socketOnData');
}

function removeHttpServerListeners(socket: Socket): void {
  for (const [event, names] of Object.entries(HTTP_SERVER_LISTENERS)) {
    for (const listener of socket.listeners(event) as ((...args: unknown[]) => void)[]) {
      const name = listener.name.replace(/^bound /, '');
      if (!names.includes(name)) continue;
      socket.removeListener(event, listener);
    }
  }
}

/**
 * The socket as the hub sees it. The client only ever sends a FIN (or stray bytes, dropped);
 * a socket error (ECONNRESET, EPIPE: the client is gone) destroys it, and its close is the
 * stream's end. What is written in one tick of the event loop (a head and its first frames, a
 * replay page, a live batch) leaves in one `writev`, not one system call per frame.
 */
class SocketSink implements StreamSink {
  corked = false;
  private listening = false;
  private closeListener?: () => void;

  constructor(readonly socket: Socket) {}

  /**
   * Once Node's HTTP server let go of the socket. Listeners added only now start small: the
   * server's arrays of them and its wrappers of `socket.on` (which put themselves back on the
   * first call after the parser is gone) are not carried for the life of the stream.
   */
  listen(): void {
    this.listening = true;
    const socket = this.socket;
    // The client's FIN ends the stream: Node ends the writable side itself (documented).
    socket.allowHalfOpen = false;
    socket.on('data', discard);
    // net destroys a socket that failed; this only keeps the error from being thrown.
    socket.on('error', discard);
    if (this.closeListener) socket.on('close', this.closeListener);
    socket.resume();
  }

  /** The socket closed before it was released: what its close listener would have heard. */
  closed(): void {
    this.listening = true;
    this.closeListener?.();
  }

  whenClosed(listener: () => void): void {
    this.closeListener = listener;
    if (!this.listening) return;
    if (this.socket.closed) listener();
    else this.socket.on('close', listener);
  }

  write(chunk: Buffer | string): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    return this.socket.write(chunk);
  }

  get writableLength(): number {
    return this.socket.writableLength;
  }

  get writableNeedDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  end(): void {
    this.socket.end();
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  on(event: 'drain', listener: () => void): this {
    this.socket.on(event, listener);
    return this;
  }

  off(event: 'drain', listener: () => void): this {
    this.socket.off(event, listener);
    return this;
  }
}

function uncork(sink: SocketSink): void {
  sink.corked = false;
  sink.socket.uncork();
}

function discard(): void {
  // What a client sends on a taken-over stream is never a request, and an error is followed
  // by the socket's close: nothing to do with either.
}
