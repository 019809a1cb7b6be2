import { Readiness } from '../../apps/notifier/src/health/readiness';
import { useNotifier } from '../support/notifier-fixture';
import { waitForAsync } from '../support/wait-for';

/**
 * Liveness and readiness answer different questions: a database outage or a drain takes an
 * instance out of the load balancer (ready 503) but must never get it restarted (live 200).
 * Stopping the server would break every other test file sharing it, so this one runs its own.
 */
describe('the health probes', () => {
  const { notifier, postgres } = useNotifier({ ownServer: [], env: { LOG_LEVEL: 'silent' } });
  const statusOf = async (path: string) => (await notifier.http('GET', path)).status;

  it('answer 200 on /health, /health/ready and /health/live while all is well', async () => {
    const ready = await notifier.http('GET', '/health/ready');
    expect(ready).toMatchObject({
      status: 200,
      body: { status: 'ok', info: { database: { status: 'up' }, listener: { status: 'up' } } },
    });
    expect(await statusOf('/health')).toBe(200);
    expect(await notifier.http('GET', '/health/live')).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
  });

  it('document /health/ready and /health/live in the OpenAPI document', async () => {
    const document = (await notifier.http('GET', '/docs-json')).body;
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/health', '/health/ready', '/health/live']),
    );
  });

  it('keep /health/live at 200 and answer readiness 503 while the database is stopped, 200 once it is back', async () => {
    await postgres.stop();
    await waitForAsync(
      async () => (await statusOf('/health/ready')) === 503,
      '/health/ready to answer 503',
      20_000,
    );
    expect(await statusOf('/health')).toBe(503);
    expect(await notifier.http('GET', '/health/live')).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });

    await postgres.restart();
    await waitForAsync(
      async () => (await statusOf('/health/ready')) === 200,
      '/health/ready to answer 200 again',
      20_000,
    );
    expect(await statusOf('/health/live')).toBe(200);
  });
});

describe('readiness once the instance is marked draining', () => {
  const { notifier } = useNotifier({ env: { LOG_LEVEL: 'silent' } });

  it('answers 503 on /health and /health/ready at once, while /health/live stays 200', async () => {
    expect((await notifier.http('GET', '/health/ready')).status).toBe(200);
    notifier.app.get(Readiness).markDraining();
    expect(await notifier.http('GET', '/health/ready')).toMatchObject({
      status: 503,
      body: { statusCode: 503, error: 'Service Unavailable' },
    });
    expect((await notifier.http('GET', '/health')).status).toBe(503);
    expect((await notifier.http('GET', '/health/live')).status).toBe(200);
  });
});
