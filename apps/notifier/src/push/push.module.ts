import { Module } from '@nestjs/common';
import { LeadershipModule } from '../leadership/leadership.module';
import { AdminPushSubscriptionsController } from './admin-push-subscriptions.controller';
import { PushSender } from './push-sender';
import { PushSubscriptionsController } from './push-subscriptions.controller';
import { PushSubscriptionsService } from './push-subscriptions.service';
import { PushWorker } from './push-worker';

/** Web Push: the subscriptions API and, on the ingest leader, the worker that pushes. */
@Module({
  imports: [LeadershipModule],
  controllers: [PushSubscriptionsController, AdminPushSubscriptionsController],
  providers: [PushSubscriptionsService, PushSender, PushWorker],
})
export class PushModule {}
