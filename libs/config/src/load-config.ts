import { createPublicKey, randomBytes } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Environment } from './environment';
import { DatabaseConfig, JwtVerification, NotifierConfig } from './notifier-config';
import { pushConfig } from './push-config';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates the environment into a NotifierConfig, or throws a ConfigError naming the variables. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const vars = validEnvironment(env);
  const production = vars.NODE_ENV === 'production';
  const generatedSecrets: NotifierConfig['generatedSecrets'] = [];
  const missing = [
    vars.JWT_SECRET || vars.JWT_PUBLIC_KEY ? undefined : 'JWT_SECRET or JWT_PUBLIC_KEY',
    vars.ADMIN_TOKEN ? undefined : 'ADMIN_TOKEN',
  ].filter((name) => name !== undefined);
  if (production && missing.length > 0) {
    throw new ConfigError(`Missing secrets in production: set ${missing.join(' and ')}`);
  }
  if (vars.JWT_SECRET && vars.JWT_PUBLIC_KEY) {
    throw new ConfigError('Set only one of JWT_SECRET and JWT_PUBLIC_KEY');
  }

  let jwtSecret = vars.JWT_SECRET;
  if (!jwtSecret && !vars.JWT_PUBLIC_KEY) {
    jwtSecret = randomBytes(32).toString('base64url');
    generatedSecrets.push('JWT_SECRET');
  }
  let adminToken = vars.ADMIN_TOKEN;
  if (!adminToken) {
    adminToken = randomBytes(24).toString('base64url');
    generatedSecrets.push('ADMIN_TOKEN');
  }

  return {
    production,
    ...databaseConfig(vars),
    databasePoolSize: vars.DATABASE_POOL_SIZE,
    migrateOnStart: vars.MIGRATE_ON_START !== 'false',
    http: {
      host: vars.HOST ?? (generatedSecrets.length > 0 ? '127.0.0.1' : '0.0.0.0'),
      port: vars.PORT,
      corsOrigins: parseOrigins(vars.CORS_ORIGINS),
    },
    jwt: {
      ...(jwtSecret ? { key: jwtSecret, algorithms: ['HS256'] } : publicKeyVerification(vars)),
      issuer: vars.JWT_ISSUER,
      audience: vars.JWT_AUDIENCE,
    },
    adminToken,
    generatedSecrets,
    sse: {
      retryMs: vars.SSE_RETRY_MS,
      heartbeatMs: vars.SSE_HEARTBEAT_MS,
      maxBufferBytes: vars.SSE_MAX_BUFFER_BYTES,
      maxConnectionsPerUser: vars.SSE_MAX_CONNECTIONS_PER_USER,
    },
    shutdownDrainMs: vars.SHUTDOWN_DRAIN_MS,
    retentionDays: vars.RETENTION_DAYS,
    workers: vars.NOTIFIER_WORKERS,
    push: pushConfig(vars, production, (message) => {
      throw new ConfigError(message);
    }),
    outboxWake: { mode: vars.OUTBOX_WAKE ?? 'wal', explicit: vars.OUTBOX_WAKE !== undefined },
  };
}

/**
 * For `migrate`: the same environment, validated by the same rules, without requiring what
 * only the service needs (a Job that migrates holds the database's URL, not the JWT secret).
 */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  return databaseConfig(validEnvironment(env));
}

function databaseConfig(vars: Environment): DatabaseConfig {
  return {
    databaseUrl: vars.DATABASE_URL,
    embeddedPostgresPort: vars.EMBEDDED_POSTGRES_PORT,
    logLevel: vars.LOG_LEVEL,
  };
}

function validEnvironment(env: NodeJS.ProcessEnv): Environment {
  const set = Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== '');
  const vars = plainToInstance(Environment, Object.fromEntries(set));
  const problems = validateSync(vars).flatMap((error) => Object.values(error.constraints ?? {}));
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return vars;
}

/** Environments often carry PEM keys on one line with literal "\n". */
function publicKeyVerification(vars: Environment): Pick<JwtVerification, 'key' | 'algorithms'> {
  const pem = (vars.JWT_PUBLIC_KEY ?? '').replace(/\\n/g, '\n');
  let type: string | undefined;
  try {
    type = createPublicKey(pem).asymmetricKeyType;
  } catch {
    throw new ConfigError('JWT_PUBLIC_KEY is not a readable PEM public key');
  }
  if (type === 'rsa') return { key: pem, algorithms: ['RS256'] };
  if (type === 'ec') return { key: pem, algorithms: ['ES256'] };
  throw new ConfigError(`JWT_PUBLIC_KEY must be an RSA or EC key, got ${type ?? 'unknown'}`);
}

function parseOrigins(value: string | undefined): string[] {
  if (!value) return [];
  const origins = value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError(`CORS_ORIGINS has an invalid origin: ${origin}`);
    }
    if (parsed.origin !== origin) {
      throw new ConfigError(
        `CORS_ORIGINS entries must be exact origins like https://app.example.com, got ${origin}`,
      );
    }
  }
  return origins;
}
