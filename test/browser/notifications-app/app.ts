/**
 * A small React app on @notifier/client/react, as a front end would write it: the inbox with
 * its unread count, the connection status and a "Mark read" button per unread notification.
 */
import { NotifierClient } from '@notifier/client';
import { useNotifications } from '@notifier/client/react';
import { createElement as h, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

/** Set by the test before the page loads: where the service is, and the user's token. */
const { service, token } = (window as unknown as { notifier: { service: string; token: string } })
  .notifier;
const client = new NotifierClient({ baseUrl: service, token });

function Inbox() {
  const { notifications, unreadCount, status, markRead } = useNotifications(client);
  return h(
    'main',
    null,
    h('p', { id: 'status' }, status),
    h('p', null, 'Unread: ', h('span', { id: 'unread' }, String(unreadCount))),
    h(
      'ol',
      { id: 'notifications' },
      notifications.map((notification) =>
        h(
          'li',
          {
            key: notification.id,
            'data-id': notification.id,
            className: notification.readAt === null ? 'unread' : 'read',
          },
          textOf(notification.payload),
          notification.readAt === null
            ? h('button', { onClick: () => void markRead(notification.id) }, 'Mark read')
            : null,
        ),
      ),
    ),
  );
}

function textOf(payload: unknown): string {
  return typeof payload === 'object' && payload !== null && 'text' in payload
    ? String(payload.text)
    : JSON.stringify(payload);
}

createRoot(document.getElementById('root')!).render(h(StrictMode, null, h(Inbox)));
