export { ConfigModule } from './config.module';
export { ConfigError, loadConfig } from './load-config';
export { NotifierConfig, OUTBOX_WAKE_MODES } from './notifier-config';
export type { JwtVerification, OutboxWakeMode, PushConfig, VapidKeys } from './notifier-config';
export { fromBase64Url, isUncompressedP256Point } from './p256';
