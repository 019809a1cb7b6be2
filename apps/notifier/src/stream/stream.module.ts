import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { ClosedStreams } from './closed-streams';
import { EventsController } from './events.controller';
import { LogReplay } from './log-replay';
import { ReadStateRelay } from './read-state-relay';
import { StreamHub } from './stream-hub';

@Module({
  imports: [ReceiptsModule, IngestModule],
  controllers: [EventsController],
  providers: [StreamHub, LogReplay, ClosedStreams, ReadStateRelay],
  exports: [StreamHub, ClosedStreams],
})
export class StreamModule {}
