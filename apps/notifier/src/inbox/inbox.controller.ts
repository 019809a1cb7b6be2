import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { CurrentUser } from '@app/auth';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { JsonText, SendsJsonText } from '../notifications/json-text';
import { LogIdPipe } from '../validation/field-rules';
import { UserRoutes } from '../route-access';
import { InboxPageDto, InboxQueryDto, ReadAllResultDto, UnreadCountDto } from './inbox.dto';
import { InboxService } from './inbox.service';

@UserRoutes('inbox')
@Controller('users/me/notifications')
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  @Get()
  @ApiOperation({ summary: 'The signed-in user’s notifications, newest first' })
  @ApiOkResponse({ type: InboxPageDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @SendsJsonText()
  page(@CurrentUser() userId: string, @Query() query: InboxQueryDto): Promise<JsonText> {
    return this.inbox.page(userId, query);
  }

  @Get('unread-count')
  @ApiOperation({ summary: 'How many notifications are unread' })
  @ApiOkResponse({ type: UnreadCountDto })
  async unreadCount(@CurrentUser() userId: string): Promise<UnreadCountDto> {
    return { count: await this.inbox.unreadCount(userId) };
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark every notification read; other tabs get `event: read` with upTo' })
  @ApiOkResponse({ type: ReadAllResultDto })
  readAll(@CurrentUser() userId: string): Promise<ReadAllResultDto> {
    return this.inbox.markAllRead(userId);
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Mark one notification read (idempotent); other tabs get `event: read`',
  })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'id is not a decimal id' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such notification for this user' })
  markRead(@CurrentUser() userId: string, @Param('id', LogIdPipe) id: bigint): Promise<void> {
    return this.inbox.markRead(userId, id);
  }
}
