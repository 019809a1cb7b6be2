import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { NotifierConfig } from '@app/config';

/** Hashing first makes the comparison constant-time whatever the lengths. */
const digest = (value: string) => createHash('sha256').update(value).digest();

@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(config: NotifierConfig) {
    this.expected = digest(config.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const token = /^Bearer +(\S+)$/i.exec(header)?.[1] ?? '';
    if (!timingSafeEqual(digest(token), this.expected)) {
      throw new UnauthorizedException('Admin token required');
    }
    return true;
  }
}
