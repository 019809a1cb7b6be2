export { ConfigModule } from './config.module';
export { CONNECTION_SETTINGS, QUERY_TIMEOUTS } from './connection-settings';
export { DATABASE_URL } from './database-url';
export { ConfigError, loadConfig, loadDatabaseConfig } from './load-config';
export { NotifierConfig, OUTBOX_WAKE_MODES } from './notifier-config';
export type {
  DatabaseConfig,
  JwtVerification,
  OutboxWakeMode,
  PushConfig,
  VapidKeys,
} from './notifier-config';
export { fromBase64Url, isUncompressedP256Point } from './p256';
