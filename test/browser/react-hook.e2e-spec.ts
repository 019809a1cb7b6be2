import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { InstalledClient, installPackedClient } from '../support/client-package';
import { useDatabase } from '../support/notifier-fixture';
import type { RunningNotifier } from '../support/notifier-harness';
import { tokenFor } from '../support/tokens';
import { uniqueUser } from '../support/users';
import { waitForAsync } from '../support/wait-for';
import { AppPageServer, bundleApp } from './support/app-page-server';
import { screenshot } from './support/inbox-tab';

describe('useNotifications in Chromium: a React app on the packed @notifier/client', () => {
  const { producer, startNotifier } = useDatabase();
  let installed: InstalledClient | undefined;
  let pages: AppPageServer | undefined;
  let service: RunningNotifier;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    installed = await installPackedClient();
    pages = await AppPageServer.start(await bundleApp(installed.folder));
    // The app is served from an origin of its own, as front ends are: CORS lets it in.
    service = await startNotifier({ CORS_ORIGINS: pages.origin, SSE_RETRY_MS: '300' });
    browser = await launchChromium();
  }, 120_000);
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    installed?.remove();
  });

  async function openTab(token: string): Promise<Page> {
    if (!context) {
      context = await browser!.newContext();
      await context.addInitScript((notifier) => Object.assign(globalThis, { notifier }), {
        service: service.baseUrl,
        token,
      });
    }
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.goto(pages!.origin);
    await page.locator('#status', { hasText: 'open' }).waitFor();
    return page;
  }

  it('shows a notification as it arrives, and markRead in one tab updates the count in both', async () => {
    const user = uniqueUser();
    const token = tokenFor(user);
    const tabs = [await openTab(token), await openTab(token)];
    const connections = async () =>
      (await service.http<unknown[]>('GET', `/admin/users/${user}/connections`, { as: 'admin' }))
        .body;
    expect(await connections()).toHaveLength(1);

    await producer.notify(user, { text: 'Your order has shipped' }, 'order.shipped');
    const [id] = await producer.waitForLogIds(user, 1);
    for (const tab of tabs) {
      await tab
        .locator(`li.unread[data-id="${id}"]`, { hasText: 'Your order has shipped' })
        .waitFor();
      expect(await tab.locator('#unread').textContent()).toBe('1');
    }

    await tabs[0].locator(`li[data-id="${id}"]`).getByRole('button', { name: 'Mark read' }).click();
    for (const tab of tabs) {
      await tab.locator(`li.read[data-id="${id}"]`).waitFor();
      await waitForAsync(
        async () => (await tab.locator('#unread').textContent()) === '0',
        'the unread count to drop',
      );
    }
    expect(await connections()).toHaveLength(1);
    await screenshot(tabs[1], 'react-hook-read-in-other-tab');
  });
});
