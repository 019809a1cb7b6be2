import { Module } from '@nestjs/common';
import { IngestLeadership } from './ingest-leadership';

/** Who leads the work done once per database: the outbox drain and the push worker. */
@Module({
  providers: [IngestLeadership],
  exports: [IngestLeadership],
})
export class LeadershipModule {}
