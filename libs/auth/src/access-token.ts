import { parse as parseCookies } from 'cookie';
import type { IncomingHttpHeaders } from 'node:http';

export const ACCESS_TOKEN_PARAMETER = 'access_token';

/** Methods that only read: the only ones a cross-site form, image or link can send unasked. */
const READ_ONLY_METHODS = new Set(['GET', 'HEAD']);

/**
 * What a token may come from: the request's method, headers and parsed query string. An
 * Express request is one; so is what the stream's endpoint reads ahead of Express.
 */
export interface TokenSources {
  method?: string;
  headers: IncomingHttpHeaders;
  query: Record<string, unknown>;
}

/** Whether the request may authenticate with the query parameter or the cookie (GET/HEAD only). */
export function acceptsAmbientToken(request: TokenSources): boolean {
  return READ_ONLY_METHODS.has(request.method ?? '');
}

/**
 * The bearer token, else the `access_token` query parameter, else the cookie of that name:
 * EventSource cannot set headers, so browsers use one of the last two. A browser attaches the
 * cookie (and follows a link's query) to cross-site requests too, so those two count only for
 * GET and HEAD; a request that changes state needs the header (CSRF).
 * Returns null when a source is present but malformed, undefined when none is present.
 */
export function extractAccessToken(request: TokenSources): string | null | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) return /^Bearer +(\S+)$/i.exec(header)?.[1] ?? null;
  if (!acceptsAmbientToken(request)) return undefined;

  const query = request.query[ACCESS_TOKEN_PARAMETER];
  if (query !== undefined) return typeof query === 'string' && query !== '' ? query : null;

  const cookie = request.headers.cookie;
  if (cookie === undefined) return undefined;
  return parseCookies(cookie)[ACCESS_TOKEN_PARAMETER];
}
