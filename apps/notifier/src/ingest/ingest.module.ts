import { Module } from '@nestjs/common';
import { IngestLeadership } from './ingest-leadership';
import { OutboxIngester } from './outbox-ingester';

@Module({
  providers: [IngestLeadership, OutboxIngester],
  exports: [OutboxIngester, IngestLeadership],
})
export class IngestModule {}
