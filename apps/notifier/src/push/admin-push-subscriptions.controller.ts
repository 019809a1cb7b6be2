import { Controller, Get, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { UserIdPipe } from '../validation/field-rules';
import { AdminRoutes } from '../route-access';
import { PushSubscriptionViewDto } from './push-subscription.dto';
import { PushSubscriptionsService } from './push-subscriptions.service';

@AdminRoutes()
@Controller('admin/users/:userId/push-subscriptions')
export class AdminPushSubscriptionsController {
  constructor(private readonly push: PushSubscriptionsService) {}

  @Get()
  @ApiOperation({ summary: 'The user’s Web Push subscriptions, newest first (without keys)' })
  @ApiOkResponse({ type: [PushSubscriptionViewDto] })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  list(@Param('userId', UserIdPipe) userId: string): Promise<PushSubscriptionViewDto[]> {
    return this.push.list(userId);
  }
}
