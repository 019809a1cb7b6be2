export interface JwtVerification {
  /** HS256 secret, or a PEM public key for RS256/ES256. */
  key: string;
  algorithms: ('HS256' | 'RS256' | 'ES256')[];
  issuer?: string;
  audience?: string;
}

/** How the ingest leader learns of new outbox rows; see docs/operators.md, "Waking the ingester". */
export const OUTBOX_WAKE_MODES = ['wal', 'notify', 'poll'] as const;
export type OutboxWakeMode = (typeof OUTBOX_WAKE_MODES)[number];
export interface VapidKeys {
  /** base64url, unpadded: an uncompressed P-256 point (65 bytes). */
  publicKey: string;
  /** base64url, unpadded: 32 bytes. */
  privateKey: string;
  /** mailto: or https: contact that push services may use. */
  subject: string;
}

export interface PushConfig {
  /** How long after its append an undelivered, unread notification waits before it is pushed. */
  delayMs: number;
  /** Lower-case host names that subscription endpoints may name; `*.` matches subdomains. */
  endpointHosts: string[];
  /** Undefined: Web Push is off (production without VAPID_* set). */
  vapid: VapidKeys | undefined;
  /** Made up for this run (outside production): subscriptions do not survive a restart. */
  generatedVapidKeys: boolean;
}

/** What `migrate` reads: the database, and none of the service's secrets. */
export interface DatabaseConfig {
  /** Undefined: run the embedded PostgreSQL under `.data/`, on `embeddedPostgresPort`. */
  databaseUrl?: string;
  embeddedPostgresPort: number;
  logLevel: string;
}

/** Everything the service reads from its environment, validated once at start-up. */
export class NotifierConfig implements DatabaseConfig {
  production!: boolean;
  databaseUrl?: string;
  /** Connections of the query pool; the listener and the leader lock have their own. */
  databasePoolSize!: number;
  embeddedPostgresPort!: number;
  /** false: the migrations are `migrate`'s job; start-up refuses a database that lacks one. */
  migrateOnStart!: boolean;
  http!: { host: string; port: number; corsOrigins: string[] };
  jwt!: JwtVerification;
  adminToken!: string;
  /** Secrets made up at start-up because none were configured (never in production). */
  generatedSecrets!: ('JWT_SECRET' | 'ADMIN_TOKEN')[];
  sse!: {
    retryMs: number;
    heartbeatMs: number;
    maxBufferBytes: number;
    maxConnectionsPerUser: number;
  };
  /** SIGTERM ends open streams spread over this long (0: all at once). */
  shutdownDrainMs!: number;
  retentionDays!: number;
  /** Worker processes sharing the port, each a whole instance; 1 runs no cluster primary. */
  workers!: number;
  push!: PushConfig;
  logLevel!: string;
  /** `explicit`: OUTBOX_WAKE was set, so `wal` must not fall back to `notify`. */
  outboxWake!: { mode: OutboxWakeMode; explicit: boolean };
}
