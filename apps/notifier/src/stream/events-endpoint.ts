import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { ParsedUrlQuery } from 'node:querystring';
import type { HttpLogger } from 'pino-http';
import { signedInUser } from '@app/auth';
import { NotifierConfig } from '@app/config';
import { encodeRetry, InvalidResumeIdError, parseResumeId, SSE_HEADERS } from '@app/sse';
import { crossOrigin, ResponseStep } from '../cross-origin';
import { answerError, errorBodyOf } from '../errors/http-error.filter';
import { RequestLog } from '../request-log';
import { checkUrlDecodes } from '../validation/strict-url';
import { ClosedStreams } from './closed-streams';
import { openStreamSink } from './open-stream-sink';
import { StreamHub } from './stream-hub';

/** The stream's path as Express would route it: in any case, with one optional trailing slash. */
const EVENTS_ROUTE = /^\/users\/me\/events\/?$/i;
const STREAM_METHODS = new Set(['GET', 'HEAD']);

/**
 * `GET` and `HEAD /users/me/events` (events-openapi.ts), answered on the HTTP server's request
 * event ahead of Express and Nest: a reconnect storm opens thousands of streams at once, and
 * their router, guard and parameter pipeline, body parser and per-request objects cost several
 * times what the stream itself does. The same steps run here, in the same order, as the plain
 * functions the framework's path uses: the strict URL check, CORS, the access log line, the
 * token (signedInUser), the closed-stream check, the resume point; refusals get the error
 * filter's status and body. Every other request goes to Express untouched.
 */
@Injectable()
export class EventsEndpoint {
  private readonly retryFrame: string;
  private readonly crossOrigin: ResponseStep;
  private readonly logRequest: HttpLogger;

  constructor(
    private readonly hub: StreamHub,
    private readonly closedStreams: ClosedStreams,
    private readonly jwt: JwtService,
    config: NotifierConfig,
    requestLog: RequestLog,
  ) {
    this.retryFrame = encodeRetry(config.sse.retryMs);
    this.crossOrigin = crossOrigin(config.http.corsOrigins);
    this.logRequest = requestLog.middleware();
  }

  /** Answers a request for the stream and says so; leaves any other request untouched. */
  answer(request: IncomingMessage, response: ServerResponse): boolean {
    const url = request.url ?? '';
    const at = url.indexOf('?');
    const path = at === -1 ? url : url.slice(0, at);
    if (!STREAM_METHODS.has(request.method ?? '') || !EVENTS_ROUTE.test(path)) return false;
    attempt(response, () => {
      checkUrlDecodes(url);
      this.crossOrigin(request, response, (error) => {
        if (error) return answerError(response, error);
        attempt(response, () => {
          // Logged from here on, as Express logs a request once it passed CORS.
          this.logRequest(request, response);
          this.open(request, response, at === -1 ? {} : parseQuery(url.slice(at + 1)));
        });
      });
    });
    return true;
  }

  /** `query` as Express parses it with `query parser: simple` (notifier-app.ts). */
  private open(request: IncomingMessage, response: ServerResponse, query: ParsedUrlQuery): void {
    const { method, headers } = request;
    const user = signedInUser(this.jwt, { method, headers, query });
    if (this.closedStreams.isClosed(user.id)) {
      throw new NotFoundException('This event stream is closed');
    }
    const resumeFrom = resumePoint(headers['last-event-id'], query.lastEventId);
    if (method === 'HEAD') {
      response.writeHead(200, SSE_HEADERS).end();
      return;
    }
    request.socket.setNoDelay(true);
    // After the head a stream keeps only its socket (on a known Node), and closes it when it ends.
    const sink = openStreamSink(request, response, SSE_HEADERS);
    try {
      sink.write(this.retryFrame);
      // Shutting down: the client comes back after `retry` and resumes on another instance.
      if (!this.hub.open(user.id, resumeFrom, user.expiresAt, sink)) sink.end();
    } catch (error) {
      // The head is out, so no error answer can follow: the error is logged, the stream ends.
      errorBodyOf(error);
      sink.destroy();
    }
  }
}

/** Runs a step of the answer; an error it throws becomes the error filter's answer. */
function attempt(response: ServerResponse, step: () => void): void {
  try {
    step();
  } catch (error) {
    answerError(response, error);
  }
}

function resumePoint(header: unknown, query: unknown): bigint | undefined {
  try {
    return parseResumeId(header, query);
  } catch (error) {
    if (error instanceof InvalidResumeIdError) throw new BadRequestException(error.message);
    throw error;
  }
}
