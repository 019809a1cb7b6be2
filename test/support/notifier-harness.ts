import type { AddressInfo } from 'node:net';
import { JwtService } from '@nestjs/jwt';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Pool } from 'pg';
import { testPool } from './closing-pool';
import { loadConfig, NotifierConfig } from '@app/config';
import { createNotifierApp, listenOn } from '../../apps/notifier/src/notifier-app';
import { SseRecording } from './sse-client';

export const TEST_JWT_SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
export const TEST_ADMIN_TOKEN = 'a-test-admin-token-0123456789';

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
  /** Opens `/users/me/events` for a user with the given extra headers or query. */
  stream(
    userId: string,
    options?: { headers?: Record<string, string>; query?: string },
  ): Promise<SseRecording>;
  /** A REST call as a user (`as: userId`), as the admin (`as: 'admin'`) or anonymously. */
  http<T = any>(
    method: string,
    path: string,
    options?: { as?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpAnswer<T>>;
  close(): Promise<void>;
}

/** Boots the real Nest app on a random port against the given database. */
export async function startNotifier(
  databaseUrl: string,
  env: Record<string, string> = {},
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
  await listenOn(app, 0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const jwt = app.get(JwtService);
  const tokenFor = (userId: string) =>
    jwt.sign({ sub: userId }, { secret: TEST_JWT_SECRET, algorithm: 'HS256', expiresIn: '1h' });

  return {
    app,
    config,
    baseUrl,
    tokenFor,
    stream: (userId, { headers = {}, query = '' } = {}) =>
      SseRecording.open(`${baseUrl}/users/me/events${query}`, {
        Authorization: `Bearer ${tokenFor(userId)}`,
        ...headers,
      }),
    http: async (method, path, { as, body, headers = {} } = {}) => {
      const requestHeaders: Record<string, string> = {};
      if (as !== undefined) {
        requestHeaders.Authorization = `Bearer ${as === 'admin' ? TEST_ADMIN_TOKEN : tokenFor(as)}`;
      }
      if (body !== undefined) requestHeaders['Content-Type'] = 'application/json';
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...requestHeaders, ...headers },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      const isJson = response.headers.get('content-type')?.includes('json') ?? false;
      return {
        status: response.status,
        headers: response.headers,
        body: isJson ? JSON.parse(text) : text,
      };
    },
    close: () => app.close(),
  };
}

/** A producer: another service writing to the outbox in its own transactions. */
export class Producer {
  readonly pool: Pool;

  constructor(databaseUrl: string) {
    this.pool = testPool(databaseUrl, 25);
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
    return this.pool.end();
  }
}
