import { UnauthorizedException } from '@nestjs/common';
import type { JwtService } from '@nestjs/jwt';
import { acceptsAmbientToken, extractAccessToken, TokenSources } from './access-token';
import { isValidUserId } from './user-id';

/** The signed-in user, as the token says. */
export interface SignedInUser {
  id: string;
  /** When the token expires, in ms since the epoch: a stream it opened ends then. */
  expiresAt: number;
}

/**
 * The user whose JWT the request carries (signature, algorithm, exp, nbf, iss, aud checked),
 * without a database round trip; else an UnauthorizedException saying why. The route guard
 * and the stream's endpoint both sign users in with it.
 */
export function signedInUser(jwt: JwtService, request: TokenSources): SignedInUser {
  const token = extractAccessToken(request);
  if (!token && !acceptsAmbientToken(request)) {
    throw new UnauthorizedException(
      `${request.method} needs the Authorization header: the access_token parameter and cookie count for GET only`,
    );
  }
  if (!token) throw new UnauthorizedException('Missing or malformed access token');
  return verify(jwt, token);
}

function verify(jwt: JwtService, token: string): SignedInUser {
  let claims: { sub?: unknown; exp?: unknown };
  try {
    // Key, algorithms, issuer and audience come from AuthModule's options.
    claims = jwt.verify<{ sub?: unknown; exp?: unknown }>(token);
  } catch (error) {
    throw new UnauthorizedException(`Invalid access token: ${(error as Error).message}`);
  }
  if (!isValidUserId(claims.sub)) {
    throw new UnauthorizedException('Invalid access token: sub must be a user id');
  }
  // jsonwebtoken checks exp only when present; a token that never expires is refused.
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    throw new UnauthorizedException('Invalid access token: exp is required');
  }
  return { id: claims.sub, expiresAt: claims.exp * 1000 };
}
