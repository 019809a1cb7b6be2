import type { CDPSession, Worker } from 'playwright-core';
import { tokenFor } from '../support/tokens';
import { uniqueUser } from '../support/users';
import { waitForAsync } from '../support/wait-for';
import { InboxTab } from './support/inbox-tab';
import { usePageInChromium } from './support/page-fixture';

interface ShownNotification {
  title: string;
  body: string;
  tag: string;
}

/** The parts of the page's and the worker's globals used here (tests compile without DOM types). */
interface PageGlobals {
  navigator: {
    serviceWorker: {
      ready: Promise<{ scope: string; getNotifications(): Promise<ShownNotification[]> }>;
    };
  };
}

interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
}

interface WorkerGlobals {
  registration: {
    getNotifications(): Promise<ShownNotification[]>;
    showNotification(title: string, options: { tag?: string }): Promise<void>;
  };
  /** The tag of every notification whose showNotification() has resolved, in order. */
  shownTags?: (string | undefined)[];
  clients: {
    openWindow(url: string): Promise<unknown>;
    matchAll(options: unknown): Promise<WindowClientLike[]>;
  };
  NotificationEvent: new (type: string, init: { notification: ShownNotification }) => unknown;
  dispatchEvent(event: unknown): boolean;
}

/**
 * The page's service worker in Chromium. A real subscription needs the browser vendor's push
 * service, which this machine cannot reach, so pushes are handed to the worker through the
 * DevTools protocol (`ServiceWorker.deliverPushMessage`), as the push service would. A system
 * notification cannot be clicked headless: its `notificationclick` handler is dispatched in
 * the worker, where the window calls it makes are recorded (untrusted events may not open
 * windows).
 *
 * Chromium's getNotifications() drops from its store any notification it finds stored but not yet
 * on display: asked while a push is being shown, it loses that notification for good. So the tests
 * wait, in the worker, for showNotification() to resolve, and only then read what is shown.
 */
describe('Web Push on the inbox page in Chromium', () => {
  const { service, context } = usePageInChromium();
  beforeEach(() => context.grantPermissions(['notifications'], { origin: service.baseUrl }));

  /** Opens the inbox and waits until its service worker runs; returns it and its registration id. */
  async function openWithWorker(): Promise<{
    tab: InboxTab;
    worker: Worker;
    cdp: CDPSession;
    registrationId: string;
  }> {
    const tab = await InboxTab.open(context, service.baseUrl, tokenFor(uniqueUser()));
    const cdp = await context.newCDPSession(tab.page);
    const registrations = new Map<string, string>();
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: updated }) => {
      for (const { registrationId, scopeURL, isDeleted } of updated) {
        if (isDeleted) registrations.delete(scopeURL);
        else registrations.set(scopeURL, registrationId);
      }
    });
    await cdp.send('ServiceWorker.enable');
    const scope = `${service.baseUrl}/`;
    await waitForAsync(() => Promise.resolve(registrations.has(scope)), 'the worker registration');
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    expect(worker.url()).toBe(`${service.baseUrl}/sw.js`);
    await tab.page.evaluate(async () => {
      await (globalThis as unknown as PageGlobals).navigator.serviceWorker.ready;
    });
    await recordShows(worker);
    return { tab, worker, cdp, registrationId: registrations.get(scope) ?? '' };
  }

  const shownNotifications = (tab: InboxTab): Promise<ShownNotification[]> =>
    tab.page.evaluate(async () => {
      const { serviceWorker } = (globalThis as unknown as PageGlobals).navigator;
      const shown = await (await serviceWorker.ready).getNotifications();
      return shown.map(({ title, body, tag }) => ({ title, body, tag }));
    });

  /** Wraps the worker's showNotification() to record each notification once it is on display. */
  const recordShows = (worker: Worker) =>
    worker.evaluate(() => {
      const scope = globalThis as unknown as WorkerGlobals;
      const { registration } = scope;
      const show = registration.showNotification.bind(registration);
      const shownTags: (string | undefined)[] = [];
      scope.shownTags = shownTags;
      registration.showNotification = async (title, options) => {
        await show(title, options);
        shownTags.push(options.tag);
      };
    });

  /** Waits until the worker has shown `tag` `times` times. */
  const waitForShown = (worker: Worker, tag: string, times = 1) =>
    waitForAsync(
      async () =>
        (await worker.evaluate(
          (shown) =>
            (globalThis as unknown as WorkerGlobals).shownTags?.filter((t) => t === shown).length ??
            0,
          tag,
        )) >= times,
      `the notification ${tag}`,
    );

  async function deliver(cdp: CDPSession, registrationId: string, data: unknown): Promise<void> {
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: service.baseUrl,
      registrationId,
      data: JSON.stringify(data),
    });
  }

  /** Dispatches `notificationclick` for the notification shown with `tag`, recording window calls. */
  const clickInWorker = (worker: Worker, tag: string) =>
    worker.evaluate(async (clicked) => {
      const scope = globalThis as unknown as WorkerGlobals;
      const calls: string[] = [];
      scope.clients.openWindow = (url) => {
        calls.push(`openWindow ${url}`);
        return Promise.resolve(null);
      };
      const matchAll = scope.clients.matchAll.bind(scope.clients);
      scope.clients.matchAll = async (options) =>
        (await matchAll(options)).map((client) => ({
          url: client.url,
          focus: () => {
            calls.push(`focus ${client.url}`);
            return Promise.resolve(client);
          },
        }));
      const shown = await scope.registration.getNotifications();
      const notification = shown.find((candidate) => candidate.tag === clicked);
      if (!notification) throw new Error(`no notification ${clicked}`);
      scope.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const left = await scope.registration.getNotifications();
      return { calls, stillShown: left.some((candidate) => candidate.tag === clicked) };
    }, tag);

  it('registers /sw.js for the whole origin and offers to enable notifications', async () => {
    const { tab } = await openWithWorker();
    const scope = await tab.page.evaluate(
      async () =>
        (await (globalThis as unknown as PageGlobals).navigator.serviceWorker.ready).scope,
    );
    expect(scope).toBe(`${service.baseUrl}/`);
    const toggle = tab.page.getByRole('button', { name: 'Enable notifications on this device' });
    expect(await toggle.isVisible()).toBe(true);
    const served = await fetch(`${service.baseUrl}/sw.js`);
    expect(served.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(served.headers.get('service-worker-allowed')).toBe('/');
  });

  it('shows a push as a system notification: the type as title, payload.text as body', async () => {
    const { tab, worker, cdp, registrationId } = await openWithWorker();
    await deliver(cdp, registrationId, {
      id: '42',
      type: 'order.shipped',
      payload: { text: 'Your order has shipped' },
      createdAt: new Date().toISOString(),
      readAt: null,
      deliveredAt: null,
    });
    await waitForShown(worker, 'notifier:42');
    // Shown notifications are the browser's, not a context's: look at this test's only.
    const first = await shownNotifications(tab);
    expect(first.filter((notification) => notification.tag === 'notifier:42')).toEqual([
      { title: 'order.shipped', body: 'Your order has shipped', tag: 'notifier:42' },
    ]);

    // A truncated push has no payload: it still shows, without a body; a repeat replaces it.
    await deliver(cdp, registrationId, { id: '43', type: 'report.ready', truncated: true });
    await deliver(cdp, registrationId, { id: '43', type: 'report.ready', truncated: true });
    await waitForShown(worker, 'notifier:43', 2);
    const shown = await shownNotifications(tab);
    expect(shown.filter((notification) => notification.tag === 'notifier:43')).toEqual([
      { title: 'report.ready', body: '', tag: 'notifier:43' },
    ]);
  });

  it('shows a burst as "N new notifications" with the newest’s text, and a push of one as before', async () => {
    const { tab, worker, cdp, registrationId } = await openWithWorker();
    const newest = { type: 'chat.message', payload: { text: 'See you at 6' }, readAt: null };
    await deliver(cdp, registrationId, { ...newest, id: '60', batched: 5 });
    await deliver(cdp, registrationId, { ...newest, id: '61', batched: 1 });
    await waitForShown(worker, 'notifier:60');
    await waitForShown(worker, 'notifier:61');
    const shown = await shownNotifications(tab);
    expect(shown.filter((notification) => /^notifier:6[01]$/.test(notification.tag))).toEqual([
      { title: '5 new notifications', body: 'See you at 6', tag: 'notifier:60' },
      { title: 'chat.message', body: 'See you at 6', tag: 'notifier:61' },
    ]);
  });

  it('focuses the open inbox when the notification is clicked', async () => {
    const { worker, cdp, registrationId } = await openWithWorker();
    await deliver(cdp, registrationId, { id: '7', type: 'message', payload: {} });
    await waitForShown(worker, 'notifier:7');
    expect(await clickInWorker(worker, 'notifier:7')).toEqual({
      calls: [`focus ${service.baseUrl}/`],
      stillShown: false,
    });
  });

  it('opens the inbox when no tab shows it', async () => {
    const { tab, worker, cdp, registrationId } = await openWithWorker();
    await deliver(cdp, registrationId, { id: '8', type: 'message', payload: {} });
    await waitForShown(worker, 'notifier:8');
    // Another page of the origin stays open, so the worker keeps running; the inbox goes.
    const other = await context.newPage();
    await other.goto(`${service.baseUrl}/sw.js`);
    await tab.page.close();
    expect(await clickInWorker(worker, 'notifier:8')).toEqual({
      calls: [`openWindow ${service.baseUrl}/`],
      stillShown: false,
    });
  });
});
