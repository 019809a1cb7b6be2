import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminAuthGuard, UserAuthGuard } from '@app/auth';
import { ErrorBodyDto } from './errors/error-body.dto';

/**
 * Who may call a controller's routes: the guard, and what the OpenAPI document says of it
 * (the tag, the bearer scheme that `openapi.ts` declares, the 401), in one decorator.
 */
export const AdminRoutes = () =>
  applyDecorators(
    ApiTags('admin'),
    ApiBearerAuth('admin'),
    ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'Missing or wrong ADMIN_TOKEN' }),
    UseGuards(AdminAuthGuard),
  );

/** Routes of the signed-in user, listed under `tag`. */
export const UserRoutes = (tag: string) =>
  applyDecorators(
    ApiTags(tag),
    ApiBearerAuth('user'),
    ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'Missing or invalid token' }),
    UseGuards(UserAuthGuard),
  );
