import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { waitForAsync } from '../../support/wait-for';

const RESULTS = resolve(__dirname, '../../../test-results');

/** One browser tab showing the inbox page, with what the tests read from it. */
export class InboxTab {
  readonly connection: Locator;
  readonly unreadCount: Locator;
  readonly items: Locator;
  /** Every request the tab made to the stream, in order. */
  readonly streamRequests: string[] = [];

  private constructor(readonly page: Page) {
    // Within the test's own timeout, so that a failing step says which one it was.
    page.setDefaultTimeout(10_000);
    this.connection = page.locator('#connection');
    this.unreadCount = page.locator('#unread-count');
    this.items = page.locator('#notifications > li');
    page.on('request', (request) => {
      if (request.url().includes('/users/me/events')) this.streamRequests.push(request.url());
    });
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  }

  /** Opens the page; signs in with `token` through the form unless the tab is signed in already. */
  static async open(context: BrowserContext, baseUrl: string, token?: string): Promise<InboxTab> {
    const tab = new InboxTab(await context.newPage());
    await tab.page.goto(baseUrl);
    if (token !== undefined) {
      await tab.page.getByLabel(/Access token/).fill(token);
      await tab.page.getByRole('button', { name: 'Sign in' }).click();
    }
    await tab.waitForStatus('open');
    return tab;
  }

  waitForStatus(status: string, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(
      async () => (await this.connection.getAttribute('data-status')) === status,
      `the connection to be ${status}`,
      timeoutMs,
    );
  }

  /** The ids listed, top (newest) first. */
  ids(): Promise<string[]> {
    return idsOf(this.items);
  }

  unreadIds(): Promise<string[]> {
    return idsOf(this.page.locator('#notifications > li.unread'));
  }

  item(id: string): Locator {
    return this.page.locator(`#notifications > li[data-id="${id}"]`);
  }

  waitForIds(count: number, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(
      async () => (await this.items.count()) >= count,
      `${count} notifications`,
      timeoutMs,
    );
  }

  waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
    return waitForAsync(condition, what, timeoutMs);
  }

  screenshot(name: string): Promise<void> {
    return screenshot(this.page, name);
  }
}

/** Saves what the page shows to test-results/<name>.png, to be looked at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: resolve(RESULTS, `${name}.png`), fullPage: true });
}

/** Read in one go in the page: the list may change between two separate reads. */
function idsOf(items: Locator): Promise<string[]> {
  return items.evaluateAll((elements: { getAttribute(name: string): string | null }[]) =>
    elements.map((element) => element.getAttribute('data-id') ?? ''),
  );
}
