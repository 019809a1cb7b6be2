import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { SignedInUser, signedInUser } from './signed-in-user';

interface AuthenticatedRequest extends Request {
  user: SignedInUser;
}

/** Signs the user in (signed-in-user.ts) before a route of theirs runs; else 401. */
@Injectable()
export class UserAuthGuard implements CanActivate {
  constructor(private readonly jwt: JwtService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.user = signedInUser(this.jwt, request);
    return true;
  }
}

/** The signed-in user's id, set by UserAuthGuard. */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): string =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().user.id,
);
