import { Module } from '@nestjs/common';
import { LeadershipModule } from '../leadership/leadership.module';
import { StreamModule } from '../stream/stream.module';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';

@Module({
  imports: [LeadershipModule, StreamModule],
  controllers: [AdminController],
  providers: [AdminService],
})
export class AdminModule {}
