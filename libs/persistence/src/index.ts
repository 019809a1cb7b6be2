export { InvalidValueError, UnknownTableError } from './database-errors';
export { dataSourceOptions } from './data-source-options';
export { migrateDatabase } from './migration-runner';
export { PersistenceModule } from './persistence.module';
export { ClosedStreamRepository } from './repositories/closed-stream.repository';
export { NotificationRepository } from './repositories/notification.repository';
export type {
  AdminLogRow,
  AppendedBatch,
  InboxQuery,
  LogQuery,
  LogPage,
  LogRow,
  MarkReadResult,
  PageLimits,
  ReplayPage,
  ReplayRequest,
} from './repositories/notification.repository';
export { OutboxRepository } from './repositories/outbox.repository';
export type { OutboxBacklog } from './repositories/outbox.repository';
export { ReadStateChangeRepository } from './repositories/read-state-change.repository';
export type { ReadStateChange } from './repositories/read-state-change.repository';
export { PushDeliveryRepository } from './repositories/push-delivery.repository';
export type {
  ClaimResult,
  ClaimSettings,
  PushClaim,
} from './repositories/push-delivery.repository';
export { PushSubscriptionRepository } from './repositories/push-subscription.repository';
export type {
  NewPushSubscription,
  PushSubscriptionRow,
} from './repositories/push-subscription.repository';
export { RetentionWatermarkRepository } from './repositories/retention-watermark.repository';
export { UserPreferencesRepository } from './repositories/user-preferences.repository';
export type { UserPreferences } from './repositories/user-preferences.repository';
export { WatchRepository } from './repositories/watch.repository';
export type { Watch, WatchSettings } from './repositories/watch.repository';
