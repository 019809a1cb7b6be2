export { ConfigModule } from './config.module';
export { ConfigError, loadConfig } from './load-config';
export { NotifierConfig, OUTBOX_WAKE_MODES } from './notifier-config';
export type { JwtVerification, OutboxWakeMode } from './notifier-config';
