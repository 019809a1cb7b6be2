import type { RawBodyRequest } from '@nestjs/common';
import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, Server } from 'node:http';
import { json } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { NotifierConfig } from '@app/config';
import { AppModule } from './app.module';
import { mountOpenApi } from './openapi';
import { refuseUndecodableUrl } from './validation/strict-url';

/** The whole service, ready to listen: used by `main.ts` and by the end-to-end tests. */
export async function createNotifierApp(
  config: NotifierConfig,
  databaseUrl: string,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, databaseUrl),
    // Open streams would otherwise keep `close()` waiting; they end themselves first.
    { bufferLogs: true, forceCloseConnections: true, bodyParser: false },
  );
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(refuseUndecodableUrl);
  allowCrossOrigin(app, config.http.corsOrigins);
  app.use(json({ limit: '100kb', verify: keepValidUtf8 }));
  mountOpenApi(app);
  return app;
}

/** Connections a reconnect storm may queue before the process accepts them. */
const LISTEN_BACKLOG = 4096;

/**
 * Listens with a deep accept queue: with Node's default (511), thousands of clients
 * reconnecting at once overflow it, and each dropped SYN is retried only after 1, 3, 7 s.
 */
export async function listenOn(
  app: NestExpressApplication,
  port: number,
  host: string,
): Promise<void> {
  await app.init();
  const server: Server = app.getHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Nest's own listen() ends log buffering here; start-up logs were held until now.
  app.flushLogs();
}

/**
 * The JSON parser would decode invalid UTF-8 into U+FFFD and store the altered text; a body
 * that is not UTF-8 is refused instead (400, through the error filter's client-error path).
 * The raw body is kept on the request for routes that need the client's exact JSON text
 * (JsonFieldText), which JSON.parse loses for numbers.
 */
function keepValidUtf8(
  request: RawBodyRequest<IncomingMessage>,
  _response: unknown,
  body: Buffer,
): void {
  if (!isUtf8(body)) {
    throw Object.assign(new Error('Request body is not valid UTF-8'), {
      status: 400,
      expose: true,
    });
  }
  request.rawBody = body;
}

/**
 * Pages on the exact origins of CORS_ORIGINS may call the API and open the stream with the
 * user's cookie. Registered before every route, so error answers carry the headers too and the
 * page can read its 401 or 404; the stream's `writeHead` keeps headers already set.
 */
function allowCrossOrigin(app: NestExpressApplication, origins: readonly string[]): void {
  const allowed = new Set(origins);
  // Every answer depends on Origin, also one without CORS headers: caches must key on it.
  app.use((_request: Request, response: Response, next: NextFunction) => {
    response.vary('Origin');
    next();
  });
  app.enableCors(corsOptions((origin) => allowed.has(origin)));
}

function corsOptions(isAllowed: (origin: string) => boolean): CorsOptions {
  return {
    // `false` makes `cors` add no header at all, credentials and preflight answers included.
    origin: (origin, callback) => callback(null, origin !== undefined && isAllowed(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    // Last-Event-ID: a front end reading the stream with fetch sets its resume point itself.
    allowedHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
    // Browsers cap this (Chromium at 2 hours); it spares a preflight before most requests.
    maxAge: 600,
  };
}
