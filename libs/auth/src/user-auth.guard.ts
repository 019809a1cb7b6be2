import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { acceptsAmbientToken, extractAccessToken } from './access-token';
import { isValidUserId } from './user-id';

/** The signed-in user, as the token says. */
export interface SignedInUser {
  id: string;
  /** When the token expires, in ms since the epoch: a stream it opened ends then. */
  expiresAt: number;
}

interface AuthenticatedRequest extends Request {
  user: SignedInUser;
}

/** Verifies the user's JWT (signature, algorithm, exp, nbf, iss, aud) without a database round trip. */
@Injectable()
export class UserAuthGuard implements CanActivate {
  constructor(private readonly jwt: JwtService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = extractAccessToken(request);
    if (!token && !acceptsAmbientToken(request)) {
      throw new UnauthorizedException(
        `${request.method} needs the Authorization header: the access_token parameter and cookie count for GET only`,
      );
    }
    if (!token) throw new UnauthorizedException('Missing or malformed access token');
    request.user = this.verify(token);
    return true;
  }

  private verify(token: string): SignedInUser {
    let claims: { sub?: unknown; exp?: unknown };
    try {
      // Key, algorithms, issuer and audience come from AuthModule's options.
      claims = this.jwt.verify<{ sub?: unknown; exp?: unknown }>(token);
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
}

/** The signed-in user's id, set by UserAuthGuard. */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): string =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().user.id,
);

/** The signed-in user with the token's expiry, for the stream. */
export const SignedIn = createParamDecorator(
  (_: unknown, context: ExecutionContext): SignedInUser =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().user,
);
