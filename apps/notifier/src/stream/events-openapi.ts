import { getSchemaPath } from '@nestjs/swagger';
import type { OpenAPIObject, PathItemObject, ResponseObject } from '@nestjs/swagger';
import { ErrorBodyDto } from '../errors/error-body.dto';

/** The stream's path, as clients call it and /docs lists it. */
const EVENTS_PATH = '/users/me/events';

const DESCRIPTION = [
  'First `retry: <SSE_RETRY_MS>`; then one event per notification:',
  '`id: <id>` + `data: {"id":"<id>","type":…,"payload":…,"createdAt":…,"readAt":null,"deliveredAt":…}`.',
  'With a resume point, every later notification of the user in id order, then live ones.',
  '`event: read` with `{"ids":[…]}` or `{"upTo":"<id>"}` when read state changes (no `id:`).',
  '`event: reset` with `{"reason":"history-truncated","oldestId":"…"}` when the resume point is',
  'older than what retention kept. `: ping` comments every SSE_HEARTBEAT_MS.',
].join(' ');

const errorAnswer = (description: string): ResponseObject => ({
  description,
  content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorBodyDto) } } },
});

/**
 * The stream's entry in the OpenAPI document. The stream is answered ahead of Nest's router
 * (events-endpoint.ts), so no controller describes it: this does, and
 * test/events-endpoint.e2e-spec.ts holds it to what the endpoint answers.
 */
const EVENTS_PATH_ITEM: PathItemObject = {
  get: {
    operationId: 'openEventStream',
    summary: 'The signed-in user’s notifications as Server-Sent Events',
    description: DESCRIPTION,
    tags: ['stream'],
    security: [{ user: [] }],
    parameters: [
      {
        name: 'access_token',
        in: 'query',
        required: false,
        description: 'The JWT, for EventSource (no headers)',
        schema: { type: 'string' },
      },
      {
        name: 'lastEventId',
        in: 'query',
        required: false,
        description: 'Resume point when the header is absent',
        schema: { type: 'string' },
      },
      {
        name: 'Last-Event-ID',
        in: 'header',
        required: false,
        description: 'Resume after this log id',
        schema: { type: 'string' },
      },
    ],
    responses: {
      200: {
        description: 'The stream; see the description for its frames',
        headers: {
          'Content-Type': { description: 'text/event-stream' },
          'Cache-Control': { description: 'no-cache, no-transform' },
          'X-Accel-Buffering': { description: 'no' },
        },
      },
      400: errorAnswer('Malformed Last-Event-ID or lastEventId'),
      401: errorAnswer('Missing or invalid token: EventSource stops'),
      404: errorAnswer('Stream closed for good: EventSource stops'),
    },
  },
};

/**
 * The document with the stream's entry first among the signed-in user's routes. It refers to
 * ErrorBodyDto's schema, which the document must hold.
 */
export function withEventsPath(document: OpenAPIObject): OpenAPIObject {
  const paths = Object.entries(document.paths);
  const at = paths.findIndex(([path]) => path.startsWith('/users/me/'));
  paths.splice(at === -1 ? paths.length : at, 0, [EVENTS_PATH, EVENTS_PATH_ITEM]);
  return { ...document, paths: Object.fromEntries(paths) };
}
