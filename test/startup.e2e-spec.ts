import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './support/free-port';
import { useDatabase } from './support/notifier-fixture';
import { NotifierProcess } from './support/notifier-process';
import { SseRecording } from './support/sse-client';

/** Every test starts the service through ts-node: 5 s on a quiet 2-core machine, 30 s on a busy one. */
jest.setTimeout(90_000);

/** What a new user does after `npm start`: paste the printed curl, then the printed SQL. */
async function pasteTheBanner(
  service: NotifierProcess,
  databaseUrl?: string,
): Promise<SseRecording> {
  const [, token, url] = await service.waitForOutput(
    /curl -N -H 'Authorization: Bearer (\S+)' (\S+)\n/,
  );
  const [, printedUrl, sql] = await service.waitForOutput(/psql '(\S+)' -c "(.+)"\n/);
  const stream = await SseRecording.open(url, { Authorization: `Bearer ${token}` });
  expect(stream.status).toBe(200);
  const producer = new Client({ connectionString: databaseUrl ?? printedUrl });
  await producer.connect();
  await producer.query(sql);
  await producer.end();
  const [event] = await stream.waitForMessages(1);
  expect(JSON.parse(event.data)).toMatchObject({
    type: 'greeting',
    payload: { text: 'Hello from Postgres' },
  });
  return stream;
}

describe('starting the service', () => {
  const { database } = useDatabase();

  it('without secrets, binds to 127.0.0.1 and prints a curl and an INSERT that work as pasted', async () => {
    const port = await freePort();
    const service = NotifierProcess.start({ DATABASE_URL: database.url, PORT: String(port) });
    try {
      await service.waitForOutput(new RegExp(`listening on http://127\\.0\\.0\\.1:${port}\\n`));
      expect(service.stdout).toMatch(/JWT_SECRET and ADMIN_TOKEN were generated/);
      const stream = await pasteTheBanner(service, database.url);

      expect(await service.stop('SIGTERM')).toBe(0);
      expect(stream.ended).toBe(true);
    } finally {
      await service.stop('SIGKILL');
    }
  });

  it('with no DATABASE_URL, runs an embedded PostgreSQL under .data/ and stops it on exit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'notifier-start-'));
    await chmod(dir, 0o755);
    const env = {
      PORT: String(await freePort()),
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
    };
    const service = NotifierProcess.start(env, dir);
    try {
      const stream = await pasteTheBanner(service);
      stream.close();
      expect(await service.stop('SIGTERM')).toBe(0);

      const again = NotifierProcess.start(env, dir);
      await again.waitForOutput(/listening on/);
      expect(await again.stop('SIGTERM')).toBe(0);
    } finally {
      await service.stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops in production when secrets are missing, naming them', async () => {
    const service = NotifierProcess.start({ DATABASE_URL: database.url, NODE_ENV: 'production' });
    expect(await service.exit()).toBe(1);
    expect(service.stderr).toContain(
      'Missing secrets in production: set JWT_SECRET or JWT_PUBLIC_KEY and ADMIN_TOKEN',
    );
  });

  it('fails fast on invalid configuration, naming the variable', async () => {
    const service = NotifierProcess.start({
      DATABASE_URL: database.url,
      SSE_HEARTBEAT_MS: 'often',
    });
    expect(await service.exit()).toBe(1);
    expect(service.stderr).toMatch(/Invalid configuration: SSE_HEARTBEAT_MS/);
  });
});
