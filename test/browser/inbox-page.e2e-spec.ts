import { tokenFor } from '../support/tokens';
import { uniqueUser } from '../support/users';
import { sleep, waitForAsync } from '../support/wait-for';
import { InboxTab, screenshot } from './support/inbox-tab';
import { usePageInChromium } from './support/page-fixture';

describe('the inbox page in Chromium', () => {
  const { producer, startNotifier, service, context } = usePageInChromium();

  it('shows a notification inserted with SQL, badged unread', async () => {
    const user = uniqueUser();
    const tab = await InboxTab.open(context, service.baseUrl, tokenFor(user));
    await expectText(tab, '#connection', 'Live');

    await producer.notify(user, { text: 'Your order has shipped' }, 'order.shipped');
    const [id] = await producer.waitForLogIds(user, 1);
    await tab.waitForIds(1);
    expect(await tab.ids()).toEqual([id]);
    expect(await tab.item(id).textContent()).toMatch(
      /New.*order\.shipped.*just now.*Your order has shipped/,
    );
    expect(await tab.unreadIds()).toEqual([id]);
    expect(await tab.unreadCount.textContent()).toBe('1');
    await tab.screenshot('inbox-live-notification');
  });

  it('keeps two tabs in sync when one marks read, or reads all', async () => {
    const user = uniqueUser();
    for (let n = 1; n <= 3; n++) await producer.notify(user, { text: `Message ${n}` });
    const ids = await producer.waitForLogIds(user, 3);
    const first = await InboxTab.open(context, service.baseUrl, tokenFor(user));
    const second = await InboxTab.open(context, service.baseUrl);
    expect(await second.ids()).toEqual([...ids].reverse());
    expect(await second.unreadCount.textContent()).toBe('3');

    await first
      .item(ids[0])
      .getByRole('button', { name: /Mark .* read/ })
      .click();
    await second.waitFor(async () => (await second.unreadIds()).length === 2, 'the read to show');
    expect(await second.unreadIds()).toEqual([ids[2], ids[1]]);
    expect(await second.unreadCount.textContent()).toBe('2');
    expect(await first.unreadCount.textContent()).toBe('2');

    await second.page.getByRole('button', { name: 'Mark all read' }).click();
    await first.waitFor(async () => (await first.unreadIds()).length === 0, 'read-all to show');
    expect(await first.unreadCount.isHidden()).toBe(true);
    await first.screenshot('inbox-two-tabs-read');
  });

  it('with three tabs holds one stream, and hands it over without loss when the leader closes', async () => {
    const user = uniqueUser();
    const tabs = [await InboxTab.open(context, service.baseUrl, tokenFor(user))];
    tabs.push(await InboxTab.open(context, service.baseUrl));
    tabs.push(await InboxTab.open(context, service.baseUrl));
    const [leaderStream] = await service.connections(user);
    expect(await service.connections(user)).toHaveLength(1);
    expect(tabs.map((tab) => tab.streamRequests.length)).toEqual([1, 0, 0]);

    await producer.notify(user, { text: 'Before the handover' });
    await Promise.all(tabs.map((tab) => tab.waitForIds(1)));
    await tabs[0].page.close();
    await producer.notify(user, { text: 'During the handover' });
    await producer.notify(user, { text: 'After the handover' });
    const ids = await producer.waitForLogIds(user, 3);

    for (const tab of tabs.slice(1)) {
      await tab.waitForIds(3);
      expect(await tab.ids()).toEqual([...ids].reverse());
    }
    await waitForAsync(
      async () => (await service.connections(user)).length === 1,
      'a single stream again',
    );
    const [newStream] = await service.connections(user);
    expect(newStream.id).not.toBe(leaderStream.id);
    expect(tabs[1].streamRequests.length + tabs[2].streamRequests.length).toBe(1);
    await tabs[1].screenshot('inbox-handover');
  });

  it('shows the closed state after an admin closes the stream, and stops requesting', async () => {
    const user = uniqueUser();
    const tab = await InboxTab.open(context, service.baseUrl, tokenFor(user));
    const requestsWhileOpen = tab.streamRequests.length;

    expect((await service.admin('DELETE', `/admin/users/${user}/stream`)).status).toBe(204);
    await tab.waitForStatus('closed-for-good');
    expect(await tab.page.getByRole('alert').filter({ hasText: 'closed' }).isVisible()).toBe(true);
    await expectText(tab, '#connection', 'Stream closed');
    const requestsWhenClosed = tab.streamRequests.length;
    // EventSource's one attempt after the end answered 404, and that was the last.
    expect(requestsWhenClosed).toBe(requestsWhileOpen + 1);

    await sleep(1_000); // more than three `retry:` delays: a page that came back would show
    expect(tab.streamRequests.length).toBe(requestsWhenClosed);
    expect(await service.connections(user)).toEqual([]);
    await tab.screenshot('inbox-stream-closed');
  });

  it('shows reconnecting while the service restarts, then every missed notification once', async () => {
    const user = uniqueUser();
    await producer.notify(user, { text: 'Before the restart' });
    const [before] = await producer.waitForLogIds(user, 1);
    const tabs = [
      await InboxTab.open(context, service.baseUrl, tokenFor(user)),
      await InboxTab.open(context, service.baseUrl),
    ];

    await service.stop();
    await Promise.all(tabs.map((tab) => tab.waitForStatus('connecting')));
    await expectText(tabs[0], '#connection', 'Reconnecting…');
    await tabs[1].screenshot('inbox-reconnecting');
    for (let n = 1; n <= 3; n++) await producer.notify(user, { text: `Missed ${n}` });

    await service.listen();
    const ids = await producer.waitForLogIds(user, 4);
    for (const tab of tabs) {
      await tab.waitForStatus('open');
      await tab.waitForIds(4);
      expect(await tab.ids()).toEqual([...ids].reverse());
    }
    expect(ids[0]).toBe(before);
    await sleep(300); // a duplicate would arrive right behind the originals
    expect(await tabs[0].ids()).toEqual([...ids].reverse());
    await tabs[0].screenshot('inbox-after-restart');
  });

  it('mutes and unmutes for push, in its settings, the types the user has received', async () => {
    const user = uniqueUser();
    await producer.notify(user, { text: 'Hi' }, 'chat.message');
    await producer.notify(user, { text: 'Shipped' }, 'order.shipped');
    await producer.waitForLogIds(user, 2);
    const tab = await InboxTab.open(context, service.baseUrl, tokenFor(user));
    const preferences = async () =>
      (
        await producer.pool.query<{ preferences: unknown }>(
          'SELECT preferences FROM user_preferences WHERE user_id = $1',
          [user],
        )
      ).rows[0]?.preferences;

    await tab.page.getByText('Push settings').click();
    const chat = tab.page.getByRole('checkbox', { name: 'Mute chat.message' });
    const order = tab.page.getByRole('checkbox', { name: 'Mute order.shipped' });
    expect([await chat.isChecked(), await order.isChecked()]).toEqual([false, false]);

    await chat.check();
    await tab.waitFor(
      async () =>
        JSON.stringify(await preferences()) === '{"push":{"mutedTypes":["chat.message"]}}',
      'chat.message muted',
    );
    // A type that arrives later can be muted too.
    await producer.notify(user, { text: 'Weekly' }, 'digest.weekly');
    const digest = tab.page.getByRole('checkbox', { name: 'Mute digest.weekly' });
    await digest.waitFor();
    await digest.check();
    await tab.waitFor(
      async () =>
        JSON.stringify(await preferences()) ===
        '{"push":{"mutedTypes":["chat.message","digest.weekly"]}}',
      'digest.weekly muted',
    );
    await tab.screenshot('inbox-push-settings');

    await chat.uncheck();
    await tab.waitFor(
      async () =>
        JSON.stringify(await preferences()) === '{"push":{"mutedTypes":["digest.weekly"]}}',
      'chat.message unmuted',
    );
    // Another tab opens with what was stored.
    const other = await InboxTab.open(context, service.baseUrl);
    await other.page.getByText('Push settings').click();
    const otherDigest = other.page.getByRole('checkbox', { name: 'Mute digest.weekly' });
    await otherDigest.waitFor();
    expect(await otherDigest.isChecked()).toBe(true);
    expect(await other.page.getByRole('checkbox', { name: 'Mute chat.message' }).isChecked()).toBe(
      false,
    );
  });

  it('offers a demo token on a run with a made-up JWT secret', async () => {
    // Blank is unset: the secret is made up for the run, the only kind of run with demo tokens.
    const development = await startNotifier({ JWT_SECRET: '' });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(development.baseUrl);
      await screenshot(page, 'inbox-sign-in');
      await page.getByRole('button', { name: 'Use a demo token' }).click();
      await page.locator('#connection[data-status="open"]').waitFor();
      expect(await page.locator('#inbox').isVisible()).toBe(true);
    } finally {
      await development.close();
    }
  });
});

async function expectText(tab: InboxTab, selector: string, text: string): Promise<void> {
  expect((await tab.page.locator(selector).textContent())?.trim()).toBe(text);
}
