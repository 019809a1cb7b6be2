import { Module } from '@nestjs/common';
import { LeadershipModule } from '../leadership/leadership.module';
import { OutboxBacklogGauges } from './outbox-backlog-gauges';
import { OutboxIngester } from './outbox-ingester';
import { OutboxWakeRepository } from './outbox-wake.repository';

@Module({
  imports: [LeadershipModule],
  providers: [OutboxIngester, OutboxWakeRepository, OutboxBacklogGauges],
  exports: [OutboxIngester],
})
export class IngestModule {}
