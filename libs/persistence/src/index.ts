export { DATABASE_URL } from './database-url';
export { dataSourceOptions } from './data-source-options';
export { PersistenceModule } from './persistence.module';
export { ClosedStreamRepository } from './repositories/closed-stream.repository';
export { NotificationRepository } from './repositories/notification.repository';
export type { AppendResult, LogRow } from './repositories/notification.repository';
export { OutboxRepository } from './repositories/outbox.repository';
export type { OutboxBacklog } from './repositories/outbox.repository';
