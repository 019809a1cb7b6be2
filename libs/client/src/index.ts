export type { TokenProvider, TokenSource } from './access-token.js';
export { compareIds, isAfter } from './event-id.js';
export type {
  ClosedReason,
  ConnectionStatus,
  InboxPage,
  Notification,
  ReadChange,
  ResetNotice,
} from './notification.js';
export { NotifierClient } from './notifier-client.js';
export type { NotifierClientOptions } from './notifier-client.js';
export type { Preferences } from './preferences-api.js';
export { PushRegistration, PushUnavailableError, SERVICE_WORKER_URL } from './push-registration.js';
export type { StorageLike } from './runtime.js';
export { NotifierApiError } from './service-api.js';
