import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { StreamModule } from '../stream/stream.module';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';

@Module({
  imports: [IngestModule, StreamModule],
  controllers: [AdminController],
  providers: [AdminService],
})
export class AdminModule {}
