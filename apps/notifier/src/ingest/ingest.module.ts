import { Module } from '@nestjs/common';
import { IngestLeadership } from './ingest-leadership';
import { OutboxIngester } from './outbox-ingester';
import { OutboxWakeRepository } from './outbox-wake.repository';

@Module({
  providers: [IngestLeadership, OutboxIngester, OutboxWakeRepository],
  exports: [OutboxIngester, IngestLeadership],
})
export class IngestModule {}
