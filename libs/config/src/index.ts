export { ConfigModule } from './config.module';
export { ConfigError, loadConfig } from './load-config';
export { NotifierConfig } from './notifier-config';
export type { JwtVerification } from './notifier-config';
