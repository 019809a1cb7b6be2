import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { InvalidValueError } from '@app/persistence';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

/** What body-parser throws through http-errors, e.g. a body over the size limit. */
interface ClientRequestError {
  status: number;
  expose: boolean;
  message: string;
}

/**
 * What the log keeps of an unexpected error: its kind, message, SQLSTATE and stack. Never the
 * rest: TypeORM's QueryFailedError carries the statement's parameters (payloads, user ids) and
 * Postgres's `detail` and `where` quote the values, so none of those is copied.
 */
function loggableError(exception: unknown): Record<string, unknown> {
  if (!(exception instanceof Error)) return { message: String(exception) };
  const source: unknown = exception instanceof QueryFailedError ? exception.driverError : exception;
  const { code } = source as { code?: unknown };
  return { type: exception.name, message: exception.message, code, stack: exception.stack };
}

const logger = new Logger('HttpError');

/**
 * Every error leaves as `{statusCode, error, message}`. HTTP errors pass through; anything else
 * becomes a 500 whose body holds only an error id, with the details in the log under that id,
 * so no stack trace or SQL text reaches a client.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = errorBodyOf(exception);
    if (response.headersSent) {
      // A stream already started: its status is sent, so all that is left is to end it.
      response.end();
      return;
    }
    response.status(body.statusCode).json(body);
  }
}

/**
 * The same answer on a plain Node response, for the stream's endpoint, which Express never
 * sees: the filter's status and JSON body, with the headers already set (CORS, Vary). Express
 * would add a weak ETag, which no client of an error answer uses.
 */
export function answerError(response: ServerResponse, exception: unknown): void {
  const body = errorBodyOf(exception);
  const json = JSON.stringify(body);
  response.writeHead(body.statusCode, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
  });
  response.end(json);
}

/** The body of the answer to an error; an unexpected one is logged under the id it names. */
export function errorBodyOf(exception: unknown): ErrorBody {
  if (exception instanceof HttpException) return httpErrorBody(exception);
  if (isClientRequestError(exception)) return errorBody(exception.status, exception.message);
  if (exception instanceof InvalidValueError) {
    return errorBody(HttpStatus.BAD_REQUEST, exception.message);
  }
  const errorId = randomUUID();
  logger.error(
    { errorId, err: loggableError(exception) },
    `Unhandled error ${errorId}: ${(exception as Error)?.message ?? String(exception)}`,
  );
  return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, `Internal error, id ${errorId}`);
}

function httpErrorBody(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const message =
    typeof response === 'object' && 'message' in response
      ? (response.message as string | string[])
      : exception.message;
  return errorBody(status, message);
}

function errorBody(statusCode: number, message: string | string[]): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

function isClientRequestError(error: unknown): error is ClientRequestError {
  const candidate = error as Partial<ClientRequestError> | null;
  return (
    typeof candidate?.status === 'number' &&
    candidate.status >= 400 &&
    candidate.status < 500 &&
    candidate.expose === true
  );
}
