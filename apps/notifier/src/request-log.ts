import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';

/**
 * One JSON line per request. Only the method, the path without its query string (it may hold
 * an access token) and the status are logged: never a header, a token or a payload.
 */
export function requestLogOptions(level: string): Options {
  return {
    level,
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
