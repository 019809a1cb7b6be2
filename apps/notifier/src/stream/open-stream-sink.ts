import { Logger } from '@nestjs/common';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ResponseSink } from './response-sink';
import { takeOverSocket, unknownHttpInternals } from './socket-sink';
import type { StreamSink } from './stream-sink';

const logger = new Logger('StreamSink');
let warned = false;

/**
 * Writes the stream's head and hands back where its frames go: the bare socket where this
 * Node's HTTP internals are the known ones (socket-sink.ts), else the response itself. A Node
 * upgrade so costs memory per stream, never an answer other than 200, which would stop every
 * EventSource for good.
 */
export function openStreamSink(
  request: IncomingMessage,
  response: ServerResponse,
  headers: OutgoingHttpHeaders,
): StreamSink {
  const unknown = unknownHttpInternals(request.socket);
  if (unknown === undefined) return takeOverSocket(request, response, headers);
  if (!warned) {
    warned = true;
    logger.warn(
      `Streams are written through the HTTP response on Node ${process.version} (${unknown}): ` +
        'each open stream holds more memory than with the socket take-over',
    );
  }
  return new ResponseSink(response, headers);
}
