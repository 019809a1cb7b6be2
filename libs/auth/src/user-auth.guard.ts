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

interface AuthenticatedRequest extends Request {
  userId: string;
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
    request.userId = this.verify(token);
    return true;
  }

  private verify(token: string): string {
    let claims: { sub?: unknown };
    try {
      // Key, algorithms, issuer and audience come from AuthModule's options.
      claims = this.jwt.verify<{ sub?: unknown }>(token);
    } catch (error) {
      throw new UnauthorizedException(`Invalid access token: ${(error as Error).message}`);
    }
    if (!isValidUserId(claims.sub)) {
      throw new UnauthorizedException('Invalid access token: sub must be a user id');
    }
    return claims.sub;
  }
}

/** The signed-in user's id, set by UserAuthGuard. */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): string =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().userId,
);
