import type { RunningNotifier } from '../support/notifier-harness';
import { useDatabase } from '../support/notifier-fixture';
import { buildWebAssets } from './support/page-service';

describe('the routes of the inbox page', () => {
  const { startNotifier } = useDatabase();
  let development: RunningNotifier;
  let production: RunningNotifier;

  beforeAll(async () => {
    await buildWebAssets();
    // No JWT_SECRET (blank is unset): a secret made up for the run, the only kind of run with demo tokens.
    development = await startNotifier({ JWT_SECRET: '' });
    production = await startNotifier({ NODE_ENV: 'production' });
  }, 60_000);

  it('serves the page at / and its files under /web/, the client package’s build as ES modules', async () => {
    const page = await development.http('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain('"@notifier/client": "/web/client/index.js"');

    const client = await development.http('GET', '/web/client/index.js');
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/javascript/);
    expect(client.body).toContain('export { NotifierClient }');
    expect((await development.http('GET', '/web/inbox.css')).status).toBe(200);
  });

  it('answers 404 for files it does not have, also outside its folder', async () => {
    expect((await development.http('GET', '/web/missing.js')).status).toBe(404);
    expect((await development.http('GET', '/web/..%2F..%2Fpackage.json')).status).toBe(404);
  });

  it('leaves the API where it was', async () => {
    expect((await development.http('GET', '/health')).status).toBe(200);
    expect((await development.http('GET', '/metrics')).status).toBe(200);
    expect((await development.http('GET', '/docs')).status).toBe(200);
    expect((await development.http('GET', '/users/me/notifications')).status).toBe(401);
    expect((await development.http('GET', '/admin/stats', { as: 'admin' })).status).toBe(200);
  });

  it('hands out a working demo token only with a secret made up for the run', async () => {
    const issued = await development.http('POST', '/dev/demo-token');
    expect(issued.status).toBe(200);
    expect(issued.body.userId).toBe('demo-user');
    const inbox = await development.http('GET', '/users/me/notifications/unread-count', {
      headers: { Authorization: `Bearer ${issued.body.token}` },
    });
    expect(inbox.status).toBe(200);
    expect((await development.http('GET', '/')).body).toContain('<body data-demo-tokens>');

    expect((await production.http('POST', '/dev/demo-token')).status).toBe(404);
    expect((await production.http('GET', '/')).body).toContain('<body>');
  });
});
