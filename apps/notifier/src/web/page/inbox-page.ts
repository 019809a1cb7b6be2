import {
  ClosedReason,
  ConnectionStatus,
  NotifierApiError,
  NotifierClient,
  PushRegistration,
  PushUnavailableError,
  SERVICE_WORKER_URL,
} from '@notifier/client';
import { NotificationList } from './notification-list.js';
import { PushSettings } from './push-settings.js';

/** Shared by the user's tabs, so that a new tab is signed in (and follows the same stream). */
const TOKEN_KEY = 'notifier:token';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const signInSection = byId<HTMLElement>('sign-in');
const signInForm = byId<HTMLFormElement>('sign-in-form');
const tokenInput = byId<HTMLTextAreaElement>('token');
const signInMessage = byId<HTMLParagraphElement>('sign-in-message');
const demoButton = byId<HTMLButtonElement>('demo-token');
const inboxSection = byId<HTMLElement>('inbox');
const connection = byId<HTMLElement>('connection');
const unreadBadge = byId<HTMLElement>('unread-count');
const closedNotice = byId<HTMLElement>('closed');
const historyNotice = byId<HTMLElement>('history-truncated');
const emptyNotice = byId<HTMLElement>('empty');
const pushToggle = byId<HTMLButtonElement>('push-toggle');
const pushMessage = byId<HTMLParagraphElement>('push-message');
const list = new NotificationList(
  byId<HTMLOListElement>('notifications'),
  (id) => void markRead(id),
);

const pushSettings = new PushSettings(
  byId<HTMLDetailsElement>('push-settings'),
  byId<HTMLUListElement>('muted-types'),
  byId<HTMLParagraphElement>('settings-message'),
);

let client: NotifierClient | undefined;
let everOpen = false;

function main(): void {
  signInForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void follow(tokenInput.value.trim());
  });
  if (document.body.dataset.demoTokens !== undefined) {
    demoButton.hidden = false;
    demoButton.addEventListener('click', () => void useDemoToken());
  }
  byId('sign-out').addEventListener('click', () => void leave());
  byId('read-all').addEventListener('click', () => void client?.markAllRead().catch(report));
  setInterval(() => list.refreshTimes(), 30_000);
  pushToggle.addEventListener('click', () => void togglePush());
  // Registered on every visit, so that clicking a system notification finds its inbox.
  if (PushRegistration.supported) {
    navigator.serviceWorker.register(SERVICE_WORKER_URL).catch(report);
  }

  const token = localStorage.getItem(TOKEN_KEY);
  if (token) void follow(token);
  else signOut();
}

async function follow(token: string): Promise<void> {
  localStorage.setItem(TOKEN_KEY, token);
  signInSection.hidden = true;
  inboxSection.hidden = false;
  everOpen = false;
  const current = new NotifierClient({ token });
  client = current;
  pushSettings.follow(current);
  current.onNotification((notification) => {
    list.prepend(notification);
    pushSettings.addReceived(notification.type);
    emptyNotice.hidden = true;
  });
  current.onRead((change) => list.markShownRead('ids' in change ? change.ids : change));
  current.onReset(() => (historyNotice.hidden = false));
  current.onUnreadCount(showUnread);
  current.onStatus(showStatus);
  showStatus(current.status);
  void showPush(current);
  try {
    const shown = await current.start();
    list.show(shown);
    for (const { type } of shown) pushSettings.addReceived(type);
    emptyNotice.hidden = !list.isEmpty;
  } catch (error) {
    if (!(error instanceof NotifierApiError && error.status === 401)) report(error);
  }
}

function showStatus(status: ConnectionStatus, reason?: ClosedReason): void {
  if (status === 'open') everOpen = true;
  connection.dataset.status = status;
  connection.textContent =
    status === 'open'
      ? 'Live'
      : status === 'connecting'
        ? everOpen
          ? 'Reconnecting…'
          : 'Connecting…'
        : 'Stream closed';
  if (reason === 'unauthorized') signOut('The service refused this token: sign in again.');
  if (reason === 'stream-closed') closedNotice.hidden = false;
}

/** The "Enable notifications on this device" control, where the browser can do push. */
async function showPush(current: NotifierClient): Promise<void> {
  if (!PushRegistration.supported) return;
  const enabled = await current.pushEnabled().catch(() => false);
  if (current !== client) return;
  pushToggle.hidden = false;
  pushToggle.setAttribute('aria-pressed', String(enabled));
  pushToggle.textContent = enabled
    ? 'Turn off notifications on this device'
    : 'Enable notifications on this device';
}

async function togglePush(): Promise<void> {
  const current = client;
  if (!current) return;
  pushToggle.disabled = true;
  pushMessage.hidden = true;
  try {
    if (pushToggle.getAttribute('aria-pressed') === 'true') await current.disablePush();
    else await current.enablePush();
  } catch (error) {
    pushMessage.hidden = false;
    pushMessage.textContent =
      error instanceof PushUnavailableError
        ? error.message
        : `Notifications could not be changed: ${(error as Error).message}`;
  } finally {
    pushToggle.disabled = false;
    await showPush(current);
  }
}

function showUnread(count: number): void {
  unreadBadge.textContent = String(count);
  unreadBadge.hidden = count === 0;
  unreadBadge.setAttribute('aria-label', `${count} unread`);
  document.title = count > 0 ? `(${count}) Inbox · Notifier` : 'Inbox · Notifier';
}

async function markRead(id: string): Promise<void> {
  await client?.markRead(id).catch(report);
}

async function useDemoToken(): Promise<void> {
  const response = await fetch('/dev/demo-token', { method: 'POST' });
  if (!response.ok)
    return report(new Error(`No demo token: the service answered ${response.status}`));
  const { token } = (await response.json()) as { token: string };
  await follow(token);
}

/** Signing out also stops pushes to this device: they would be the previous user's. */
async function leave(): Promise<void> {
  await client?.disablePush().catch(report);
  signOut();
}

function signOut(message = ''): void {
  client?.stop();
  client = undefined;
  pushSettings.follow(undefined);
  localStorage.removeItem(TOKEN_KEY);
  inboxSection.hidden = true;
  closedNotice.hidden = true;
  historyNotice.hidden = true;
  pushToggle.hidden = true;
  pushMessage.hidden = true;
  signInSection.hidden = false;
  signInMessage.textContent = message;
  connection.dataset.status = 'signed-out';
  connection.textContent = 'Signed out';
  showUnread(0);
}

function report(error: unknown): void {
  signInMessage.textContent = error instanceof Error ? error.message : String(error);
  console.error(error);
}

main();
