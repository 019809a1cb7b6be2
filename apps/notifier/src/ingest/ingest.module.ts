import { Module } from '@nestjs/common';
import { LeadershipModule } from '../leadership/leadership.module';
import { OutboxIngester } from './outbox-ingester';
import { OutboxWakeRepository } from './outbox-wake.repository';

@Module({
  imports: [LeadershipModule],
  providers: [OutboxIngester, OutboxWakeRepository],
})
export class IngestModule {}
