import { DynamicModule, Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { pino } from 'pino';
import { HttpLogger, Options, pinoHttp } from 'pino-http';

/**
 * The access log: one JSON line per request. Only the method, the path without its query
 * string (it may hold an access token) and the status are logged: never a header, a token or a
 * payload. Requests reach it two ways, through Express (nestjs-pino's pino-http) and through
 * the stream's endpoint (its own pino-http), so both share one logger and one sequence of
 * request ids, and their lines are alike.
 */
export class RequestLog {
  readonly options: Options;

  constructor(level: string) {
    let lastId = 0;
    this.options = {
      logger: pino({ level }),
      // pino-http's own default, made once for both middlewares.
      genReqId: (request) => request.id ?? (lastId = (lastId + 1) & 0x7fffffff),
      serializers: {
        req: (request: IncomingMessage & { id?: unknown }) => ({
          id: request.id,
          method: request.method,
          path: request.url?.split('?')[0],
        }),
        res: (response: ServerResponse) => ({ statusCode: response.statusCode }),
      },
    };
  }

  /** A pino-http middleware writing this log, for requests that Express never sees. */
  middleware(): HttpLogger {
    return pinoHttp(this.options);
  }
}

/** nestjs-pino, with the access log above, and the RequestLog for every module. */
@Module({})
export class RequestLogModule {
  static forRoot(level: string): DynamicModule {
    const requestLog = new RequestLog(level);
    return {
      module: RequestLogModule,
      global: true,
      imports: [LoggerModule.forRoot({ pinoHttp: requestLog.options })],
      providers: [{ provide: RequestLog, useValue: requestLog }],
      exports: [RequestLog],
    };
  }
}
