import { BadRequestException, UnauthorizedException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ACCESS_TOKEN_PARAMETER } from '@app/auth';

/**
 * URLs are read as percent-encoded UTF-8, strictly: Node's lenient decoders turn bytes that
 * are not UTF-8 (such as `%ED%A0%80`, a lone surrogate's WTF-8 form) into U+FFFD, so the
 * request would silently name something else than the client wrote. It is a 400 instead.
 */
function decodeStrictly(part: string): string | undefined {
  try {
    return decodeURIComponent(part.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

function mustDecode(part: string, name: string): string {
  const decoded = decodeStrictly(part);
  if (decoded === undefined) {
    throw new BadRequestException([`${name} must be percent-encoded UTF-8`]);
  }
  return decoded;
}

/** `/admin/users/:userId/…`: the router would refuse it with "Failed to decode param". */
const ADMIN_USER_PATH = /^\/admin\/users\/([^/?]*)/;

/**
 * Throws a 400 that names a query name or value, or an admin route's userId, that is not
 * percent-encoded UTF-8 (an `access_token` so written is an invalid token: 401, as for any
 * other). Every request is checked before it is routed, so the query parser and the router,
 * which read the URL afterwards, never meet one.
 */
export function checkUrlDecodes(url: string): void {
  const [path, query = ''] = url.split(/\?(.*)/s);
  for (const pair of query.split('&')) {
    const at = pair.indexOf('=');
    const name = mustDecode(at === -1 ? pair : pair.slice(0, at), 'a query parameter name');
    const value = at === -1 ? '' : pair.slice(at + 1);
    if (name === ACCESS_TOKEN_PARAMETER && decodeStrictly(value) === undefined) {
      throw new UnauthorizedException('Invalid access token: not percent-encoded UTF-8');
    }
    mustDecode(value, name);
  }
  const userId = ADMIN_USER_PATH.exec(path)?.[1];
  if (userId !== undefined) mustDecode(userId, 'userId');
}

/** checkUrlDecodes as the first Express middleware. */
export function refuseUndecodableUrl(request: Request, _: Response, next: NextFunction): void {
  checkUrlDecodes(request.url);
  next();
}
