export { ConfigModule } from './config.module';
export { ConfigError, loadConfig } from './load-config';
export { NotifierConfig } from './notifier-config';
export type { JwtVerification, PushConfig, VapidKeys } from './notifier-config';
export { fromBase64Url, isUncompressedP256Point } from './p256';
