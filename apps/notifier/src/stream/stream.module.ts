import { Module } from '@nestjs/common';
import { ClosedStreams } from './closed-streams';
import { EventsController } from './events.controller';
import { StreamHub } from './stream-hub';

@Module({
  controllers: [EventsController],
  providers: [StreamHub, ClosedStreams],
  exports: [StreamHub, ClosedStreams],
})
export class StreamModule {}
