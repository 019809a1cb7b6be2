export type { TokenProvider, TokenSource } from './access-token.js';
export { compareIds, isAfter } from './event-id.js';
export { InboxApiError } from './inbox-api.js';
export type {
  ClosedReason,
  ConnectionStatus,
  InboxPage,
  Notification,
  ReadChange,
  ResetNotice,
} from './notification.js';
export { NotifierClient } from './notifier-client.js';
export { PushRegistration, PushUnavailableError, SERVICE_WORKER_URL } from './push-registration.js';
export type { NotifierClientOptions } from './notifier-client.js';
export type { EventSourceConstructor, StorageLike } from './runtime.js';
