import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from './load-config';

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
    expect(config.databaseUrl).toBeUndefined();
    expect(config.jwt.algorithms).toEqual(['HS256']);
    expect(config.outboxWake).toEqual({ mode: 'wal', explicit: false });
  });

  it('reads OUTBOX_WAKE and remembers that it was set', () => {
    for (const mode of ['wal', 'notify', 'poll'] as const) {
      expect(loadConfig({ ...SECRETS, OUTBOX_WAKE: mode }).outboxWake).toEqual({
        mode,
        explicit: true,
      });
    }
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
    ['JWT_SECRET', 'short'],
    ['ADMIN_TOKEN', 'short'],
    ['OUTBOX_WAKE', 'listen'],
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
