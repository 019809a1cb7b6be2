import { createECDH, generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig, loadDatabaseConfig } from './load-config';

const SECRETS = { JWT_SECRET: 'x'.repeat(32), ADMIN_TOKEN: 'y'.repeat(16) };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(SECRETS);
    expect(config.http).toEqual({ host: '0.0.0.0', port: 3000, corsOrigins: [] });
    expect(config.sse).toEqual({
      retryMs: 3000,
      heartbeatMs: 15000,
      maxBufferBytes: 1048576,
      maxConnectionsPerUser: 16,
    });
    expect(config.retentionDays).toBe(30);
    expect(config.workers).toBe(1);
    expect(config.databasePoolSize).toBe(10);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.jwt.algorithms).toEqual(['HS256']);
    expect(config.outboxWake).toEqual({ mode: 'wal', explicit: false });
  });

  it('reads DATABASE_POOL_SIZE', () => {
    expect(loadConfig({ ...SECRETS, DATABASE_POOL_SIZE: '25' }).databasePoolSize).toBe(25);
  });

  it('reads OUTBOX_WAKE and remembers that it was set', () => {
    for (const mode of ['wal', 'notify', 'poll'] as const) {
      expect(loadConfig({ ...SECRETS, OUTBOX_WAKE: mode }).outboxWake).toEqual({
        mode,
        explicit: true,
      });
    }
  });

  it('migrates at start-up unless MIGRATE_ON_START is false', () => {
    expect(loadConfig(SECRETS).migrateOnStart).toBe(true);
    expect(loadConfig({ ...SECRETS, MIGRATE_ON_START: 'true' }).migrateOnStart).toBe(true);
    expect(loadConfig({ ...SECRETS, MIGRATE_ON_START: 'false' }).migrateOnStart).toBe(false);
  });

  it('reads what `migrate` needs by the same rules, without requiring secrets', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/notifier' };
    expect(loadDatabaseConfig(production)).toEqual({
      databaseUrl: 'postgres://db/notifier',
      embeddedPostgresPort: 54329,
      logLevel: 'info',
    });
    expect(() => loadDatabaseConfig({ DATABASE_URL: 'mysql://db' })).toThrow(/DATABASE_URL/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ ...SECRETS, PORT: '', DATABASE_URL: ' ' }).http.port).toBe(3000);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['SSE_RETRY_MS', '-5'],
    ['SSE_HEARTBEAT_MS', '1.5'],
    ['SSE_MAX_BUFFER_BYTES', '10'],
    ['SSE_MAX_CONNECTIONS_PER_USER', '0'],
    ['RETENTION_DAYS', 'forever'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['NODE_ENV', 'staging'],
    ['NOTIFIER_WORKERS', '0'],
    ['NOTIFIER_WORKERS', 'all'],
    ['NOTIFIER_WORKERS', '1.5'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', 'ten'],
    ['DATABASE_POOL_SIZE', '2.5'],
    ['DATABASE_POOL_SIZE', '1001'],
    ['JWT_SECRET', 'short'],
    ['ADMIN_TOKEN', 'short'],
    ['OUTBOX_WAKE', 'listen'],
    ['PUSH_DELAY_MS', 'soon'],
    ['PUSH_DELAY_MS', '3600001'],
    ['PUSH_ENDPOINT_HOSTS', 'https://fcm.googleapis.com'],
    ['VAPID_SUBJECT', 'me@example.com'],
    ['MIGRATE_ON_START', 'no'],
    ['MIGRATE_ON_START', '0'],
  ])('fails fast naming %s when it is %j', (name, value) => {
    expect(() => loadConfig({ ...SECRETS, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...SECRETS, [name]: value })).toThrow(name);
  });

  it('refuses CORS_ORIGINS entries that are not exact origins', () => {
    expect(() => loadConfig({ ...SECRETS, CORS_ORIGINS: 'https://a.example/path' })).toThrow(
      /CORS_ORIGINS/,
    );
    expect(
      loadConfig({ ...SECRETS, CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).http
        .corsOrigins,
    ).toEqual(['https://a.example', 'http://localhost:5173']);
  });

  describe('outside production without secrets', () => {
    const config = loadConfig({});

    it('makes random secrets and says so', () => {
      expect(config.generatedSecrets).toEqual(['JWT_SECRET', 'ADMIN_TOKEN']);
      expect(config.jwt.key.length).toBeGreaterThanOrEqual(32);
      expect(config.adminToken.length).toBeGreaterThanOrEqual(16);
      expect(loadConfig({}).adminToken).not.toBe(config.adminToken);
    });

    it('binds to 127.0.0.1 only', () => {
      expect(config.http.host).toBe('127.0.0.1');
    });
  });

  it('stops in production when secrets are missing, naming them', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      new ConfigError(
        'Missing secrets in production: set JWT_SECRET or JWT_PUBLIC_KEY and ADMIN_TOKEN',
      ),
    );
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRETS.JWT_SECRET })).toThrow(
      /set ADMIN_TOKEN$/,
    );
  });

  it('picks RS256 for an RSA key and ES256 for an EC key', () => {
    const pem = (type: 'rsa' | 'ec') =>
      (type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', { namedCurve: 'P-256' })
      ).publicKey
        .export({ type: 'spki', format: 'pem' })
        .toString();
    const base = { ADMIN_TOKEN: SECRETS.ADMIN_TOKEN };
    expect(loadConfig({ ...base, JWT_PUBLIC_KEY: pem('rsa') }).jwt.algorithms).toEqual(['RS256']);
    expect(loadConfig({ ...base, JWT_PUBLIC_KEY: pem('ec') }).jwt.algorithms).toEqual(['ES256']);
    const oneLine = pem('ec').replace(/\n/g, '\\n');
    expect(loadConfig({ ...base, JWT_PUBLIC_KEY: oneLine }).jwt.key).toContain('\n');
  });

  it('refuses an unreadable public key and a secret set together with a key', () => {
    const broken = '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----';
    expect(() => loadConfig({ ADMIN_TOKEN: SECRETS.ADMIN_TOKEN, JWT_PUBLIC_KEY: broken })).toThrow(
      /JWT_PUBLIC_KEY/,
    );
    expect(() => loadConfig({ ...SECRETS, JWT_PUBLIC_KEY: broken })).toThrow(/only one of/);
  });
});

describe('loadConfig: Web Push', () => {
  const keys = () => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    return {
      VAPID_PUBLIC_KEY: ecdh.getPublicKey('base64url', 'uncompressed'),
      VAPID_PRIVATE_KEY: ecdh.getPrivateKey('base64url'),
    };
  };

  /** Keys as Node's getPrivateKey() prints one pair in 256: the scalar without its leading zeros. */
  const shortKeys = () => {
    for (;;) {
      const pair = keys();
      if (Buffer.from(pair.VAPID_PRIVATE_KEY, 'base64url').length < 32) return pair;
    }
  };

  it('defaults to a 10 s delay and the browser vendors’ push services', () => {
    const { push } = loadConfig(SECRETS);
    expect(push.delayMs).toBe(10000);
    expect(push.endpointHosts).toEqual([
      'fcm.googleapis.com',
      '*.push.services.mozilla.com',
      '*.notify.windows.com',
      '*.push.apple.com',
      'web.push.apple.com',
    ]);
  });

  it('makes VAPID keys for the run outside production', () => {
    const { push } = loadConfig(SECRETS);
    expect(push.generatedVapidKeys).toBe(true);
    expect(Buffer.from(push.vapid?.publicKey ?? '', 'base64url')).toHaveLength(65);
    expect(loadConfig(SECRETS).push.vapid?.publicKey).not.toBe(push.vapid?.publicKey);
  });

  it('makes private keys of 32 bytes, leading zero bytes included', () => {
    // One key in 256 has a scalar below 2^248; web-push refuses it unless written at full width.
    for (let run = 0; run < 2_000; run += 1) {
      const { vapid } = loadConfig(SECRETS).push;
      expect(Buffer.from(vapid?.privateKey ?? '', 'base64url')).toHaveLength(32);
    }
  });

  it('takes a private key written without its leading zero byte, at full width', () => {
    const configured = shortKeys();
    const short = Buffer.from(configured.VAPID_PRIVATE_KEY, 'base64url');
    const { vapid } = loadConfig({ ...SECRETS, ...configured }).push;
    const padding = Buffer.alloc(32 - short.length);
    expect(vapid?.privateKey).toBe(Buffer.concat([padding, short]).toString('base64url'));
    expect(vapid?.publicKey).toBe(configured.VAPID_PUBLIC_KEY);
  });

  it('takes configured keys and lower-cased hosts', () => {
    const configured = keys();
    const { push } = loadConfig({
      ...SECRETS,
      ...configured,
      VAPID_SUBJECT: 'mailto:ops@example.com',
      PUSH_ENDPOINT_HOSTS: 'Push.Example.com, *.push.example.net',
      PUSH_DELAY_MS: '0',
    });
    expect(push.vapid).toEqual({
      publicKey: configured.VAPID_PUBLIC_KEY,
      privateKey: configured.VAPID_PRIVATE_KEY,
      subject: 'mailto:ops@example.com',
    });
    expect(push.generatedVapidKeys).toBe(false);
    expect(push.endpointHosts).toEqual(['push.example.com', '*.push.example.net']);
    expect(push.delayMs).toBe(0);
  });

  it('is off in production without VAPID_*, and needs all of it once any is set', () => {
    const production = { ...SECRETS, NODE_ENV: 'production' };
    expect(loadConfig(production).push.vapid).toBeUndefined();
    expect(() => loadConfig({ ...production, ...keys() })).toThrow(/VAPID_SUBJECT/);
    expect(
      loadConfig({ ...production, ...keys(), VAPID_SUBJECT: 'https://example.com' }).push.vapid
        ?.subject,
    ).toBe('https://example.com');
    expect(() => loadConfig({ ...production, VAPID_SUBJECT: 'https://example.com' })).toThrow(
      /VAPID_PUBLIC_KEY/,
    );
  });

  it('refuses keys that are not a P-256 pair, naming the variable', () => {
    const { VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY } = keys();
    const other = keys();
    expect(() => loadConfig({ ...SECRETS, VAPID_PUBLIC_KEY })).toThrow(/VAPID_PRIVATE_KEY/);
    expect(() => loadConfig({ ...SECRETS, VAPID_PRIVATE_KEY })).toThrow(/VAPID_PUBLIC_KEY/);
    const offCurve = Buffer.from(VAPID_PUBLIC_KEY, 'base64url');
    offCurve[64] ^= 1;
    expect(() =>
      loadConfig({
        ...SECRETS,
        VAPID_PUBLIC_KEY: offCurve.toString('base64url'),
        VAPID_PRIVATE_KEY,
      }),
    ).toThrow(/VAPID_PUBLIC_KEY must be a P-256 public key/);
    for (const malformed of [Buffer.alloc(33, 1).toString('base64url'), 'not base64url!']) {
      expect(() =>
        loadConfig({ ...SECRETS, VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: malformed }),
      ).toThrow(/VAPID_PRIVATE_KEY must be/);
    }
    // A short one is a scalar with its leading zeros dropped: it is refused for not pairing.
    expect(() =>
      loadConfig({ ...SECRETS, VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: 'c2hvcnQ' }),
    ).toThrow(/VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY/);
    expect(() =>
      loadConfig({ ...SECRETS, VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: other.VAPID_PRIVATE_KEY }),
    ).toThrow(/VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY/);
  });
});
