import { freePort } from './support/free-port';
import { useNotifier } from './support/notifier-fixture';
import { NotifierProcess } from './support/notifier-process';
import { SseRecording } from './support/sse-client';
import { uniqueUser } from './support/users';

describe('operations', () => {
  const { notifier, producer, database } = useNotifier();

  describe('GET /health', () => {
    it('answers 200 when the database answers and the listener is connected', async () => {
      const answer = await notifier.http('GET', '/health');
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        status: 'ok',
        info: { database: { status: 'up' }, listener: { status: 'up' } },
      });
    });
  });

  describe('GET /metrics', () => {
    it('exposes the service’s metrics in Prometheus text format', async () => {
      const user = uniqueUser();
      const stream = await notifier.stream(user);
      await producer.notify(user, {});
      await stream.waitForMessages(1);
      const answer = await notifier.http('GET', '/metrics');
      stream.close();

      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
      for (const name of [
        'notifier_open_connections',
        'notifier_notifications_ingested_total',
        'notifier_notifications_delivered_total',
        'notifier_notifications_replayed_total',
        'notifier_slow_consumer_disconnects_total',
        'notifier_ingest_lag_seconds_bucket',
        'notifier_delivery_latency_seconds_bucket',
      ]) {
        expect(answer.body).toContain(`${name}`);
      }
      expect(
        Number(/^notifier_notifications_delivered_total (\d+)/m.exec(answer.body as string)?.[1]),
      ).toBeGreaterThan(0);
    });
  });

  describe('GET /docs and /docs-json (OpenAPI)', () => {
    it('documents every route of the contract', async () => {
      const answer = await notifier.http('GET', '/docs-json');
      expect(answer.status).toBe(200);
      const document = answer.body as { paths: Record<string, Record<string, unknown>> };
      const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(routes).toEqual(
        expect.arrayContaining([
          'GET /users/me/events',
          'GET /users/me/notifications',
          'GET /users/me/notifications/unread-count',
          'POST /users/me/notifications/{id}/read',
          'POST /users/me/notifications/read-all',
          'POST /admin/notifications',
          'GET /admin/notifications',
          'GET /admin/notifications/{id}',
          'GET /admin/stats',
          'GET /admin/users/{userId}/connections',
          'DELETE /admin/users/{userId}/stream',
          'PUT /admin/users/{userId}/stream',
          'GET /health',
          'GET /metrics',
        ]) as string[],
      );
      const stream = document.paths['/users/me/events'].get as {
        responses: Record<string, unknown>;
      };
      expect(Object.keys(stream.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '404']),
      );
      expect((await notifier.http('GET', '/docs')).body).toContain('swagger');
    });
  });

  describe('errors', () => {
    it('answer an unknown route with the one JSON error shape', async () => {
      const answer = await notifier.http('GET', '/nope');
      expect(answer).toMatchObject({ status: 404, body: { statusCode: 404, error: 'Not Found' } });
      expect(Object.keys(answer.body).sort()).toEqual(['error', 'message', 'statusCode']);
    });
  });

  describe('logs', () => {
    it('are JSON lines without tokens or payloads', async () => {
      const port = await freePort();
      const service = NotifierProcess.start({
        DATABASE_URL: database.url,
        PORT: String(port),
        LOG_LEVEL: 'info',
      });
      try {
        const [, token] = await service.waitForOutput(/Bearer (\S+)'/);
        const [, adminToken] = await service.waitForOutput(/Admin token: (\S+)\n/);
        const base = `http://127.0.0.1:${port}`;
        const stream = await SseRecording.open(`${base}/users/me/events?access_token=${token}`);
        await fetch(`${base}/admin/notifications`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ userId: 'demo-user', payload: { secret: 'payload-marker-7f3a' } }),
        });
        await stream.waitForMessages(1);
        stream.close();
        await fetch(`${base}/users/me/notifications`, {
          headers: { Authorization: `Bearer ${token}` },
        });
      } finally {
        await service.stop();
      }
      const logLines = service.stdout.split('\n').filter((line) => line.startsWith('{'));
      expect(logLines.length).toBeGreaterThan(3);
      for (const line of logLines) expect(() => JSON.parse(line) as unknown).not.toThrow();
      const logs = logLines.join('\n');
      expect(logs).toContain('"path":"/users/me/events"');
      expect(logs).not.toMatch(/eyJ[\w-]+\./);
      expect(logs).not.toContain('payload-marker-7f3a');
      expect(logs).not.toMatch(/authorization|access_token/i);
    }, 90_000); // a service process of its own: a ts-node start takes up to 30 s on a busy machine
  });
});
