export { ChangeFeed } from './change-feed';
export type { ChangeHandler, ConnectedHandler } from './change-feed';
export { ChangeFeedModule } from './change-feed.module';
export { OUTBOX_WAL_APPLICATION, OutboxWalWakeup } from './outbox-wal-wakeup';
export type { OutboxWalWakeupHandlers } from './outbox-wal-wakeup';
