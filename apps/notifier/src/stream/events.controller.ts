import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  NotFoundException,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { SignedIn, UserAuthGuard } from '@app/auth';
import type { SignedInUser } from '@app/auth';
import { NotifierConfig } from '@app/config';
import { encodeRetry, InvalidResumeIdError, parseResumeId, SSE_HEADERS } from '@app/sse';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { ClosedStreams } from './closed-streams';
import { openStreamSink } from './open-stream-sink';
import { StreamHub } from './stream-hub';

const STREAM_DESCRIPTION = [
  'First `retry: <SSE_RETRY_MS>`; then one event per notification:',
  '`id: <id>` + `data: {"id":"<id>","type":…,"payload":…,"createdAt":…,"readAt":null,"deliveredAt":…}`.',
  'With a resume point, every later notification of the user in id order, then live ones.',
  '`event: read` with `{"ids":[…]}` or `{"upTo":"<id>"}` when read state changes (no `id:`).',
  '`event: reset` with `{"reason":"history-truncated","oldestId":"…"}` when the resume point is',
  'older than what retention kept. `: ping` comments every SSE_HEARTBEAT_MS.',
].join(' ');

/**
 * The stream is written on the raw response instead of with `@Sse()`: the contract needs a
 * real 400/401/404 before any byte is streamed, frames whose only `id:` is the log id, replay
 * paced by socket backpressure, and an end to clients whose unsent output grows too large.
 */
@Controller('users/me/events')
export class EventsController {
  private readonly retryFrame: string;

  constructor(
    private readonly hub: StreamHub,
    private readonly closedStreams: ClosedStreams,
    config: NotifierConfig,
  ) {
    this.retryFrame = encodeRetry(config.sse.retryMs);
  }

  @Get()
  @UseGuards(UserAuthGuard)
  @ApiTags('stream')
  @ApiBearerAuth('user')
  @ApiOperation({
    summary: 'The signed-in user’s notifications as Server-Sent Events',
    description: STREAM_DESCRIPTION,
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this log id' })
  @ApiQuery({
    name: 'lastEventId',
    required: false,
    description: 'Resume point when the header is absent',
  })
  @ApiQuery({
    name: 'access_token',
    required: false,
    description: 'The JWT, for EventSource (no headers)',
  })
  @ApiOkResponse({
    description: 'The stream; see the description for its frames',
    headers: {
      'Content-Type': { description: 'text/event-stream' },
      'Cache-Control': { description: 'no-cache, no-transform' },
      'X-Accel-Buffering': { description: 'no' },
    },
  })
  @ApiBadRequestResponse({
    type: ErrorBodyDto,
    description: 'Malformed Last-Event-ID or lastEventId',
  })
  @ApiUnauthorizedResponse({
    type: ErrorBodyDto,
    description: 'Missing or invalid token: EventSource stops',
  })
  @ApiNotFoundResponse({
    type: ErrorBodyDto,
    description: 'Stream closed for good: EventSource stops',
  })
  open(
    @SignedIn() user: SignedInUser,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Query('lastEventId') lastEventIdQuery: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): void {
    if (this.closedStreams.isClosed(user.id)) {
      throw new NotFoundException('This event stream is closed');
    }
    const resumeFrom = this.resumePoint(lastEventIdHeader, lastEventIdQuery);
    if (request.method === 'HEAD') {
      response.writeHead(200, SSE_HEADERS).end();
      return;
    }
    request.socket.setNoDelay(true);
    // After the head a stream keeps only its socket (on a known Node), and closes it when it ends.
    const sink = openStreamSink(request, response, SSE_HEADERS);
    sink.write(this.retryFrame);
    const stream = this.hub.open(user.id, resumeFrom, user.expiresAt, sink);
    // Shutting down: the client comes back after `retry` and resumes on another instance.
    if (!stream) sink.end();
  }

  private resumePoint(header: string | undefined, query: unknown): bigint | undefined {
    try {
      return parseResumeId(header, query);
    } catch (error) {
      if (error instanceof InvalidResumeIdError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
