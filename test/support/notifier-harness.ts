import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { loadConfig, NotifierConfig } from '@app/config';
import { createNotifierApp, listenOn } from '../../apps/notifier/src/notifier-app';
import { StreamHub } from '../../apps/notifier/src/stream/stream-hub';
import { testPool } from './closing-pool';
import { closeAfterTest, LeakWatch, poolAtRest, watchForLeaks } from './leak-check';
import { SseRecording } from './sse-client';
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET, tokenFor } from './tokens';

export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RunningNotifier {
  app: NestExpressApplication;
  config: NotifierConfig;
  baseUrl: string;
  tokenFor(userId: string): string;
  /**
   * Opens `/users/me/events` as a signed-in user, with the given extra headers or query. The
   * stream is closed when the test ends, like every stream opened through `open`.
   */
  stream(
    userId: string,
    options?: { headers?: Record<string, string>; query?: string },
  ): Promise<SseRecording>;
  /** Opens `path` as an SSE client does, with exactly the given headers. */
  open(path: string, headers?: Record<string, string>): Promise<SseRecording>;
  /** A REST call as a user (`as: userId`), as the admin (`as: 'admin'`) or anonymously. */
  http<T = any>(
    method: string,
    path: string,
    options?: { as?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpAnswer<T>>;
  close(): Promise<void>;
}

/**
 * Boots the real Nest app against the given database, on `port` (default: a random one), and
 * watches it for leaks until it is closed.
 */
export async function startNotifier(
  databaseUrl: string,
  env: Record<string, string> = {},
  port = 0,
): Promise<RunningNotifier> {
  const defaults = env.JWT_PUBLIC_KEY ? {} : { JWT_SECRET: TEST_JWT_SECRET };
  const config = loadConfig({
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'error',
    // Tests close instances with streams open; the drain on SIGTERM has tests of its own.
    SHUTDOWN_DRAIN_MS: '0',
    ...defaults,
    ...env,
  });
  const app = await createNotifierApp(config, databaseUrl);
  const server: Server = app.getHttpServer();
  const requests = trackRequests(server);
  await listenOn(app, port, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const unwatch = watchForLeaks(instanceAtRest(baseUrl, app, requests));

  const open = async (path: string, headers: Record<string, string> = {}) => {
    const recording = await SseRecording.open(`${baseUrl}${path}`, headers);
    closeAfterTest(() => recording.close());
    return recording;
  };
  return {
    app,
    config,
    baseUrl,
    tokenFor,
    open,
    stream: (userId, { headers = {}, query = '' } = {}) =>
      open(`/users/me/events${query}`, { Authorization: `Bearer ${tokenFor(userId)}`, ...headers }),
    http: (method, path, options) => httpCall(baseUrl, method, path, options),
    close: async () => {
      unwatch();
      await app.close();
    },
  };
}

async function httpCall<T>(
  baseUrl: string,
  method: string,
  path: string,
  {
    as,
    body,
    headers = {},
  }: { as?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpAnswer<T>> {
  const requestHeaders: Record<string, string> = {};
  if (as !== undefined) {
    requestHeaders.Authorization = `Bearer ${as === 'admin' ? TEST_ADMIN_TOKEN : tokenFor(as)}`;
  }
  if (body !== undefined) requestHeaders['Content-Type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...requestHeaders, ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.includes('json') ?? false;
  return {
    status: response.status,
    headers: response.headers,
    body: (isJson ? JSON.parse(text) : text) as T,
  };
}

/** What the server holds for clients, apart from idle keep-alive connections. */
interface OpenRequests {
  /** Responses not yet finished: streams, and requests still being answered. */
  responses: Set<ServerResponse>;
  /** Connections that never sent a whole request. */
  silentSockets: Set<Socket>;
}

function trackRequests(server: Server): OpenRequests {
  const open: OpenRequests = { responses: new Set(), silentSockets: new Set() };
  server.on('connection', (socket: Socket) => {
    open.silentSockets.add(socket);
    socket.once('close', () => open.silentSockets.delete(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    open.silentSockets.delete(request.socket);
    open.responses.add(response);
    response.once('close', () => open.responses.delete(response));
  });
  return open;
}

/** An instance is at rest with no stream in its hub, no request open and no client checked out. */
function instanceAtRest(
  name: string,
  app: NestExpressApplication,
  requests: OpenRequests,
): LeakWatch {
  const hub = app.get(StreamHub);
  const pool = poolAtRest(name, (app.get(DataSource).driver as PostgresDriver).master as Pool);
  return {
    leftOpen: async () => [
      ...(hub.openConnections > 0 ? [`${name}: ${hub.openConnections} streams in the hub`] : []),
      ...(requests.responses.size > 0 ? [`${name}: ${requests.responses.size} responses`] : []),
      ...(requests.silentSockets.size > 0
        ? [`${name}: ${requests.silentSockets.size} connections that sent no request`]
        : []),
      ...(await pool.leftOpen()),
    ],
  };
}

/** A producer: another service writing to the outbox in its own transactions. */
export class Producer {
  readonly pool: Pool;
  private readonly unwatch: () => void;

  constructor(databaseUrl: string) {
    this.pool = testPool(databaseUrl, 25);
    this.unwatch = watchForLeaks(poolAtRest('the producer', this.pool));
  }

  async notify(userId: string, payload: unknown = {}, type = 'message'): Promise<void> {
    await this.pool.query(
      'INSERT INTO notification_outbox (user_id, type, payload) VALUES ($1, $2, $3::jsonb)',
      [userId, type, JSON.stringify(payload)],
    );
  }

  /** `count` notifications `{n}` for a user in one INSERT, padded with `paddingBytes` of filler. */
  async notifyMany(userId: string, count: number, paddingBytes = 0): Promise<void> {
    await this.pool.query(
      `INSERT INTO notification_outbox (user_id, payload)
       SELECT $1, jsonb_build_object('n', n)
         || CASE WHEN $3 > 0 THEN jsonb_build_object('padding', repeat('x', $3)) ELSE '{}' END
       FROM generate_series(1, $2::int) AS n`,
      [userId, count, paddingBytes],
    );
  }

  /** The log ids of a user's notifications, as the database holds them. */
  async logIds(userId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      'SELECT id::text FROM notifications WHERE user_id = $1 ORDER BY notifications.id',
      [userId],
    );
    return rows.map((row) => row.id);
  }

  /** Waits until `count` of the user's notifications reached the log; returns their ids. */
  async waitForLogIds(userId: string, count: number, timeoutMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let ids: string[];
    while ((ids = await this.logIds(userId)).length < count) {
      if (Date.now() > deadline)
        throw new Error(`only ${ids.length} of ${count} rows reached the log`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return ids;
  }

  close(): Promise<void> {
    this.unwatch();
    return this.pool.end();
  }
}
