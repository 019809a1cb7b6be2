import { once } from 'node:events';
import {
  createServer,
  IncomingHttpHeaders,
  IncomingMessage,
  request,
  Server,
  ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the proxy saw it: what any proxy or load balancer in between could log. */
export interface SeenRequest {
  method: string;
  /** The request target: path and query. */
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * A reverse proxy of the test's own in front of the service: it forwards every request and
 * streams every answer as they are, and records each request line and its headers.
 */
export class RecordingProxy {
  readonly requests: SeenRequest[] = [];
  private readonly sockets = new Set<Socket>();
  /** What the next requests to a path meet instead of the service, first come first served. */
  private readonly interceptions: Interception[] = [];

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {
    server.on('request', (incoming: IncomingMessage, outgoing: ServerResponse) =>
      this.receive(incoming, outgoing),
    );
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on a free port of 127.0.0.1 and forwards to `targetBaseUrl`. */
  static async start(targetBaseUrl: string): Promise<RecordingProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new RecordingProxy(server, new URL(targetBaseUrl));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * The next request to `path` waits in the proxy until `release()`: as a slow network holds
   * it, while the test changes what the service will answer.
   */
  hold(path: string): { arrived: Promise<void>; release(): void } {
    let arrived!: () => void;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.interceptions.push({
      path,
      count: 1,
      act: (forward) => {
        arrived();
        void released.then(forward);
      },
    });
    return { arrived: new Promise<void>((resolve) => (arrived = resolve)), release };
  }

  /** The next `count` requests to `path` get `status` from the proxy, as an edge in trouble. */
  answer(path: string, status: number, count: number): void {
    this.interceptions.push({
      path,
      count,
      act: (_forward, outgoing) => outgoing.writeHead(status).end(),
    });
  }

  /** The requests whose path starts with `path`. */
  requestsTo(path: string): SeenRequest[] {
    return this.requests.filter((seen) => seen.url.startsWith(path));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private receive(incoming: IncomingMessage, outgoing: ServerResponse): void {
    const { method = 'GET', url = '/', headers } = incoming;
    this.requests.push({ method, url, headers });
    const forward = () => this.forward(incoming, outgoing);
    const interception = this.interceptions.find((rule) => url.startsWith(rule.path));
    if (!interception) return forward();
    if (--interception.count === 0) {
      this.interceptions.splice(this.interceptions.indexOf(interception), 1);
    }
    interception.act(forward, outgoing);
  }

  private forward(incoming: IncomingMessage, outgoing: ServerResponse): void {
    const { method = 'GET', url = '/', headers } = incoming;
    const upstream = request(
      {
        host: this.target.hostname,
        port: this.target.port,
        method,
        path: url,
        headers: { ...headers, host: this.target.host },
        agent: false,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        // Frame by frame, as an edge with buffering off passes a stream on.
        outgoing.flushHeaders();
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    outgoing.on('close', () => upstream.destroy());
    incoming.pipe(upstream);
  }
}

interface Interception {
  path: string;
  count: number;
  act(forward: () => void, outgoing: ServerResponse): void;
}
