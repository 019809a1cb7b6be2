import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminAuthGuard } from '@app/auth';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { UserIdPipe } from '../validation/field-rules';
import { PushSubscriptionViewDto } from './push-subscription.dto';
import { PushSubscriptionsService } from './push-subscriptions.service';

@ApiTags('admin')
@ApiBearerAuth('admin')
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'Missing or wrong ADMIN_TOKEN' })
@UseGuards(AdminAuthGuard)
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
