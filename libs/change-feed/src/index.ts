export { ChangeFeed } from './change-feed';
export type { ReaderOptions } from './change-feed';
export { ChangeFeedModule } from './change-feed.module';
export type { FeedReader } from './feed-reader';
export { OUTBOX_WAL_APPLICATION, OutboxWalWakeup } from './outbox-wal-wakeup';
export type { OutboxWalWakeupHandlers } from './outbox-wal-wakeup';
