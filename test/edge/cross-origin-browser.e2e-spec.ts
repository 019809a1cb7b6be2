import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { FrontEndServer } from '../support/front-end-page';
import { closeAfterTest } from '../support/leak-check';
import { NginxEdge } from '../support/nginx-edge';
import type { RunningNotifier } from '../support/notifier-harness';
import { useDatabase } from '../support/notifier-fixture';
import { createSelfSignedCertificate } from '../support/self-signed-certificate';
import { uniqueUser } from '../support/users';

const portOf = (notifier: RunningNotifier) => Number(new URL(notifier.baseUrl).port);

describe('nginx edge: a page on another origin, in Chromium', () => {
  const { producer, startNotifier } = useDatabase();
  let allowedFrontEnd: FrontEndServer;
  let otherFrontEnd: FrontEndServer;
  let instances: RunningNotifier[];
  let edge: NginxEdge;
  let browser: Browser;
  let context: BrowserContext;
  const user = uniqueUser('browser');

  /** Opens the page of `frontEnd` and waits until its EventSource is open or given up. */
  async function openPage(frontEnd: FrontEndServer) {
    const page = await context.newPage();
    closeAfterTest(() => page.close());
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(frontEnd.pageUrl(edge.originOn('localhost')));
    await page.waitForFunction("['open', 'closed'].includes(window.streamState)");
    return { page, consoleErrors, streamState: () => page.evaluate('window.streamState') };
  }

  const received = (page: Page) => page.evaluate('window.received');

  beforeAll(async () => {
    const certificate = await createSelfSignedCertificate();
    // The same page on two origins (ports); only the first is on the list.
    allowedFrontEnd = await FrontEndServer.start(certificate);
    otherFrontEnd = await FrontEndServer.start(certificate);
    const env = { CORS_ORIGINS: allowedFrontEnd.origin };
    instances = await Promise.all([startNotifier(env), startNotifier(env)]);
    edge = await NginxEdge.start(instances.map(portOf));
    browser = await launchChromium({ acceptSelfSignedCertificates: true });
    context = await browser.newContext();
    // The user is signed in on the notifier's origin: a cookie that EventSource sends along
    // with credentials, to both pages (same site, so a Lax cookie goes too).
    await context.addCookies([
      {
        name: 'access_token',
        value: instances[0].tokenFor(user),
        url: edge.originOn('localhost'),
        sameSite: 'Lax',
        secure: true,
        httpOnly: true,
      },
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await edge?.stop();
    await allowedFrontEnd?.close();
    await otherFrontEnd?.close();
  });

  it('opens the stream with credentials from an allowed origin and receives a notification', async () => {
    const { page, streamState } = await openPage(allowedFrontEnd);
    expect(await streamState()).toBe('open');

    await producer.notify(user, { text: 'to the other origin' });
    await page.waitForFunction('window.received.length > 0');
    expect(await received(page)).toEqual([{ text: 'to the other origin' }]);

    // A REST call with Authorization takes a preflight, through nginx, and succeeds.
    const token = instances[1].tokenFor(user);
    const inbox = await page.evaluate<{ status: number; body: { items: { payload: unknown }[] } }>(
      `readInbox(${JSON.stringify(token)})`,
    );
    expect(inbox.status).toBe(200);
    expect(inbox.body.items.map((item) => item.payload)).toEqual([{ text: 'to the other origin' }]);
  });

  it('cannot open the stream from an origin that is not on the list', async () => {
    const { page, consoleErrors, streamState } = await openPage(otherFrontEnd);
    expect(await streamState()).toBe('closed');
    // Closed by CORS, not by a refused token: the same cookie opened the stream above.
    expect(consoleErrors.join('\n')).toMatch(/blocked by CORS policy/);

    await producer.notify(user, { text: 'not for this origin' });
    await expect(
      page.evaluate(`readInbox(${JSON.stringify(instances[0].tokenFor(user))})`),
    ).rejects.toThrow(/Failed to fetch/);
    expect(await received(page)).toEqual([]);
  });
});
