export { ChangeFeed } from './change-feed';
export type { ChangeHandler, ConnectedHandler } from './change-feed';
export { ChangeFeedModule } from './change-feed.module';
export { SingleFlight } from './single-flight';
export { OutboxWalWakeup } from './outbox-wal-wakeup';
export type { OutboxWalWakeupHandlers } from './outbox-wal-wakeup';
export {
  OUTBOX_CHANNEL,
  OUTBOX_NOTIFY_TRIGGER,
  OUTBOX_PUBLICATION,
  OUTBOX_WAL_APPLICATION,
} from './outbox-wake-names';
