import { parse as parseCookies } from 'cookie';
import type { Request } from 'express';

export const ACCESS_TOKEN_PARAMETER = 'access_token';

/**
 * The bearer token, else the `access_token` query parameter, else the cookie of that name:
 * EventSource cannot set headers, so browsers use one of the last two.
 * Returns null when a source is present but malformed, undefined when none is present.
 */
export function extractAccessToken(request: Request): string | null | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) return /^Bearer +(\S+)$/i.exec(header)?.[1] ?? null;

  const query: unknown = (request.query as Record<string, unknown>)[ACCESS_TOKEN_PARAMETER];
  if (query !== undefined) return typeof query === 'string' && query !== '' ? query : null;

  const cookie = request.headers.cookie;
  if (cookie === undefined) return undefined;
  return parseCookies(cookie)[ACCESS_TOKEN_PARAMETER];
}
