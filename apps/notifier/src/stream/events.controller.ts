import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  NotFoundException,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser, UserAuthGuard } from '@app/auth';
import { InvalidResumeIdError, parseResumeId } from '@app/sse';
import { ClosedStreams } from './closed-streams';
import { StreamHub } from './stream-hub';

/**
 * The stream is written on the raw response instead of with `@Sse()`: the contract needs a
 * real 400/401/404 before any byte is streamed, frames whose only `id:` is the log id, replay
 * paced by socket backpressure, and an end to clients whose unsent output grows too large.
 */
@Controller('users/me/events')
export class EventsController {
  constructor(
    private readonly hub: StreamHub,
    private readonly closedStreams: ClosedStreams,
  ) {}

  @Get()
  @UseGuards(UserAuthGuard)
  open(
    @CurrentUser() userId: string,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Query('lastEventId') lastEventIdQuery: unknown,
    @Res() response: Response,
  ): void {
    if (this.closedStreams.isClosed(userId)) {
      throw new NotFoundException('This event stream is closed');
    }
    this.hub.open(userId, this.resumePoint(lastEventIdHeader, lastEventIdQuery), response);
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
