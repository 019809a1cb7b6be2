import type { RawBodyRequest } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { json } from 'express';
import type { Express } from 'express';
import { Logger } from 'nestjs-pino';
import { NotifierConfig } from '@app/config';
import { AppModule } from './app.module';
import { crossOrigin } from './cross-origin';
import { mountOpenApi } from './openapi';
import { EventsEndpoint } from './stream/events-endpoint';
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
  // querystring.parse, which the stream's endpoint uses too.
  app.set('query parser', 'simple');
  app.use(refuseUndecodableUrl);
  app.use(crossOrigin(config.http.corsOrigins));
  app.use(json({ limit: '100kb', verify: keepValidUtf8 }));
  mountOpenApi(app);
  answerStreamsFirst(app);
  return app;
}

/**
 * The HTTP server hands each request to the stream's endpoint first, and to Express only what
 * that endpoint does not answer: opening a stream then costs none of Express's and Nest's
 * per-request work (events-endpoint.ts).
 */
function answerStreamsFirst(app: NestExpressApplication): void {
  const server: Server = app.getHttpServer();
  const express: Express = app.getHttpAdapter().getInstance();
  const endpoint = app.get(EventsEndpoint);
  if (!server.listeners('request').includes(express)) {
    throw new Error(
      "Express is not the HTTP server's request listener: cannot put the stream first",
    );
  }
  server.removeListener('request', express);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!endpoint.answer(request, response)) void express(request, response);
  });
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
