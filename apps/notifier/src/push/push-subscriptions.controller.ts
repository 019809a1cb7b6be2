import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { CurrentUser } from '@app/auth';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { UserRoutes } from '../route-access';
import { PushEndpointDto, PushSubscriptionDto, VapidPublicKeyDto } from './push-subscription.dto';
import { PushSubscriptionsService } from './push-subscriptions.service';

const OFF = 'Web Push is off: production without VAPID keys';

@UserRoutes('push')
@Controller('users/me/push-subscriptions')
export class PushSubscriptionsController {
  constructor(private readonly push: PushSubscriptionsService) {}

  @Get('key')
  @ApiOperation({ summary: 'The VAPID public key, for `pushManager.subscribe`' })
  @ApiOkResponse({ type: VapidPublicKeyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: OFF })
  key(): VapidPublicKeyDto {
    return this.push.publicKey();
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Register this browser’s `PushSubscription.toJSON()` (idempotent per endpoint; beyond 20, the oldest goes)',
  })
  @ApiCreatedResponse()
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'The message names the field' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: OFF })
  subscribe(@CurrentUser() userId: string, @Body() body: PushSubscriptionDto): Promise<void> {
    return this.push.subscribe(userId, body);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop pushing to this endpoint (idempotent)' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  unsubscribe(@CurrentUser() userId: string, @Body() body: PushEndpointDto): Promise<void> {
    return this.push.unsubscribe(userId, body.endpoint);
  }
}
