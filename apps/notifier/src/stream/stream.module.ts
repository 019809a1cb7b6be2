import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { ClosedStreams } from './closed-streams';
import { EventsEndpoint } from './events-endpoint';
import { LogReplay } from './log-replay';
import { ReadStateRelay } from './read-state-relay';
import { StreamHub } from './stream-hub';

@Module({
  imports: [ReceiptsModule, IngestModule],
  providers: [StreamHub, LogReplay, ClosedStreams, ReadStateRelay, EventsEndpoint],
  exports: [StreamHub, ClosedStreams, EventsEndpoint],
})
export class StreamModule {}
