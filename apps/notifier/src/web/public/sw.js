/* global self, URL */
'use strict';

/**
 * The inbox page's service worker: shows each Web Push as a system notification (title from
 * the type, or "N new notifications" for a push that stands for a burst of N; body from the
 * newest's `payload.text`) and, when one is clicked, focuses an open inbox or opens one.
 * Served at /sw.js, so its scope is the whole origin.
 */
const INBOX_PATH = '/';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  event.waitUntil(show(readPush(event.data)));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openInbox());
});

/** The stream's JSON; anything unreadable still shows, as a generic notification. */
function readPush(data) {
  try {
    const notification = data ? data.json() : {};
    return notification && typeof notification === 'object' ? notification : {};
  } catch {
    return {};
  }
}

function show(notification) {
  const { payload } = notification;
  const text = payload && typeof payload.text === 'string' ? payload.text : '';
  return self.registration.showNotification(titleOf(notification), {
    body: text,
    // One per notification: a push that arrives twice replaces itself.
    tag: typeof notification.id === 'string' ? `notifier:${notification.id}` : undefined,
    timestamp: Date.parse(notification.createdAt) || Date.now(),
    data: { id: notification.id },
  });
}

function titleOf({ type, batched }) {
  if (Number.isInteger(batched) && batched > 1) return `${batched} new notifications`;
  return typeof type === 'string' ? type : 'New notification';
}

async function openInbox() {
  const inbox = new URL(INBOX_PATH, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).pathname === INBOX_PATH);
  return open ? open.focus() : self.clients.openWindow(inbox);
}
