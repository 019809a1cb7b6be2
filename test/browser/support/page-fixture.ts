import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from '../../support/chromium';
import { lateBound } from '../../support/late-bound';
import { DatabaseFixture, useDatabase } from '../../support/notifier-fixture';
import { buildWebAssets, PageService } from './page-service';

export interface PageFixture extends DatabaseFixture {
  /** The service with its page, in this process, on a port that survives its restarts. */
  service: PageService;
  browser: Browser;
  /** The running test's own context: its own storage, so only its tabs share one. */
  context: BrowserContext;
}

/** The browser tier's set-up: the built page, the service serving it and Chromium. */
export function usePageInChromium(): PageFixture {
  const fixture = useDatabase();
  const service = lateBound<PageService>('the page service');
  const browser = lateBound<Browser>('Chromium');
  const context = lateBound<BrowserContext>('the browser context');

  beforeAll(async () => {
    await buildWebAssets();
    service.bind(await PageService.start(fixture.startNotifier));
    browser.bind(await launchChromium());
  }, 60_000);
  beforeEach(async () => context.bind(await browser.ref.newContext()));
  afterEach(() => context.value?.close());
  afterAll(() => browser.value?.close());

  return { ...fixture, service: service.ref, browser: browser.ref, context: context.ref };
}
