import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { JsonText, SendsJsonText } from '../notifications/json-text';
import { MAX_PAYLOAD_BYTES } from '@app/postgres-objects';
import { LogIdPipe, UserIdPipe } from '../validation/field-rules';
import { JsonFieldText, JsonTextWithin } from '../validation/json-field-text';
import { AdminRoutes } from '../route-access';
import {
  AcceptedDto,
  AdminNotificationDto,
  AdminNotificationsPageDto,
  AdminNotificationsQueryDto,
  CloseStreamDto,
  ConnectionDto,
  CreateNotificationDto,
  StatsDto,
} from './admin.dto';
import { AdminService } from './admin.service';

@AdminRoutes()
@Controller('admin')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Post('notifications')
  @HttpCode(202)
  @ApiOperation({ summary: 'Notify a user: writes the outbox, under the same rules as producers' })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiBadRequestResponse({
    type: ErrorBodyDto,
    description: 'A field breaks an outbox rule; the message names it',
  })
  async create(
    @Body() body: CreateNotificationDto,
    @JsonFieldText('payload', new JsonTextWithin('payload', MAX_PAYLOAD_BYTES))
    payload: string | undefined,
  ): Promise<AcceptedDto> {
    await this.admin.enqueue(body.userId, body.type, payload ?? '{}');
    return { accepted: true };
  }

  @Get('notifications')
  @ApiOperation({ summary: 'The log, oldest first, filtered and paged by `after`' })
  @ApiOkResponse({ type: AdminNotificationsPageDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @SendsJsonText()
  list(@Query() query: AdminNotificationsQueryDto): Promise<JsonText> {
    return this.admin.list(query);
  }

  @Get('notifications/:id')
  @ApiOperation({ summary: 'One notification of the log' })
  @ApiOkResponse({ type: AdminNotificationDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @SendsJsonText()
  findOne(@Param('id', LogIdPipe) id: bigint): Promise<JsonText> {
    return this.admin.findOne(id);
  }

  @Get('stats')
  @ApiOperation({
    summary: 'Connections, outbox backlog, last log id, ingest lag, deliveries, leadership',
  })
  @ApiOkResponse({ type: StatsDto })
  stats(): Promise<StatsDto> {
    return this.admin.stats();
  }

  @Get('users/:userId/connections')
  @ApiOperation({ summary: 'The user’s open streams on this instance' })
  @ApiOkResponse({ type: [ConnectionDto] })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  connections(@Param('userId', UserIdPipe) userId: string): ConnectionDto[] {
    return this.admin.connections(userId);
  }

  @Delete('users/:userId/stream')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Close the user’s stream for good: open streams end on every instance, later requests get 404',
  })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  close(@Param('userId', UserIdPipe) userId: string, @Body() body: CloseStreamDto): Promise<void> {
    return this.admin.closeStream(userId, body.reason);
  }

  @Put('users/:userId/stream')
  @HttpCode(204)
  @ApiOperation({ summary: 'Reopen a closed stream (idempotent)' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  reopen(@Param('userId', UserIdPipe) userId: string): Promise<void> {
    return this.admin.reopenStream(userId);
  }
}
