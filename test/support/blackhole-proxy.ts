import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy of the test's own in front of PostgreSQL that can turn into a black hole: it
 * then stops forwarding in both directions without closing anything, as a dead network path
 * or a frozen peer does. Neither side sees an error or an end; only timeouts can tell.
 */
export class BlackholeProxy {
  private readonly sockets = new Set<Socket>();
  private blackholed = false;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on a free port of 127.0.0.1 and forwards to the server of `databaseUrl`. */
  static async start(databaseUrl: string): Promise<BlackholeProxy> {
    const url = new URL(databaseUrl);
    // Half-open sockets stay open: a FIN must not travel through, or be answered, either.
    const server = createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new BlackholeProxy(server, { host: url.hostname, port: Number(url.port) });
  }

  /** `databaseUrl` with its host and port replaced by the proxy's. */
  urlFor(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String((this.server.address() as AddressInfo).port);
    return url.toString();
  }

  /** From now on nothing passes, and new connections are accepted but never answered. */
  blackhole(): void {
    this.blackholed = true;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.blackholed) return;
    const upstream = connect({ ...this.target, allowHalfOpen: true });
    this.track(upstream);
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        if (!this.blackholed) to.write(chunk);
      });
      from.on('end', () => {
        if (!this.blackholed) to.end();
      });
      from.on('close', () => {
        if (!this.blackholed) to.destroy();
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    // A reset from either side ends both; errors of a proxied socket are the test's to see.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}
