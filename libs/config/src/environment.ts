import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { OUTBOX_WAKE_MODES } from './notifier-config';
import type { OutboxWakeMode } from './notifier-config';

/**
 * The environment as the service reads it; every rule names its variable on failure.
 * Empty variables count as unset, so defaults apply.
 */
export class Environment {
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @IsOptional()
  @IsString()
  HOST?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  EMBEDDED_POSTGRES_PORT: number = 54329;

  @IsOptional()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters (256 bits for HS256)' })
  JWT_SECRET?: string;

  @IsOptional()
  @Matches(/-----BEGIN PUBLIC KEY-----/, { message: 'JWT_PUBLIC_KEY must be a PEM public key' })
  JWT_PUBLIC_KEY?: string;

  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  @IsOptional()
  @MinLength(16, { message: 'ADMIN_TOKEN must be at least 16 characters' })
  @MaxLength(1024)
  ADMIN_TOKEN?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  SSE_RETRY_MS: number = 3000;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  SSE_HEARTBEAT_MS: number = 15000;

  @Type(() => Number)
  @IsInt()
  /** At least a socket's high-water mark, below which Node would not tell when it drained. */
  @Min(16384)
  @Max(1 << 30)
  SSE_MAX_BUFFER_BYTES: number = 1 << 20;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  SSE_MAX_CONNECTIONS_PER_USER: number = 16;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_DRAIN_MS: number = 5000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(36_500)
  RETENTION_DAYS: number = 30;

  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @Type(() => Number)
  @IsInt({ message: 'NOTIFIER_WORKERS must be a whole number of worker processes' })
  @Min(1)
  @Max(256)
  NOTIFIER_WORKERS: number = 1;

  /** Connections of each instance's query pool (per worker with NOTIFIER_WORKERS). */
  @Type(() => Number)
  @IsInt({ message: 'DATABASE_POOL_SIZE must be a whole number of connections' })
  @Min(1)
  @Max(1000)
  DATABASE_POOL_SIZE: number = 10;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  PUSH_DELAY_MS: number = 10_000;

  @IsOptional()
  @IsString()
  PUSH_ENDPOINT_HOSTS?: string;

  @IsOptional()
  @IsString()
  VAPID_PUBLIC_KEY?: string;

  @IsOptional()
  @IsString()
  VAPID_PRIVATE_KEY?: string;

  @IsOptional()
  @Matches(/^(mailto:\S+@\S+|https:\/\/\S+)$/, {
    message: 'VAPID_SUBJECT must be a mailto: address or an https: URL',
  })
  VAPID_SUBJECT?: string;

  @IsOptional()
  @IsIn(['production', 'development', 'test'])
  NODE_ENV?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  /** `false` for those who migrate with `migrate` (a Job): start-up then only checks. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'MIGRATE_ON_START must be true or false' })
  MIGRATE_ON_START?: 'true' | 'false';

  /** Unset means `wal`, with a fallback to `notify` where the database cannot do `wal`. */
  @IsOptional()
  @IsIn(OUTBOX_WAKE_MODES, {
    message: `OUTBOX_WAKE must be one of ${OUTBOX_WAKE_MODES.join(', ')}`,
  })
  OUTBOX_WAKE?: OutboxWakeMode;
}
