export { ChangeFeed } from './change-feed';
export type { ChangeHandler, ConnectedHandler } from './change-feed';
export { ChangeFeedModule } from './change-feed.module';
export { SingleFlight } from './single-flight';
