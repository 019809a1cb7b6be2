import type { Notification } from '@notifier/client';
import { relativeTime } from './relative-time.js';

/** The rendered list: one `<li>` per notification, newest first, unread ones badged. */
export class NotificationList {
  constructor(
    private readonly list: HTMLOListElement,
    private readonly markRead: (id: string) => void,
  ) {}

  show(notifications: Notification[]): void {
    this.list.replaceChildren(...notifications.map((notification) => this.item(notification)));
  }

  /** A live notification goes on top. */
  prepend(notification: Notification): void {
    this.list.prepend(this.item(notification));
  }

  /** Ids not given: every notification up to `upTo`, as read-all reports it. */
  markShownRead(ids: string[] | { upTo: string }): void {
    for (const item of this.list.querySelectorAll<HTMLLIElement>('li.unread')) {
      const id = item.dataset.id ?? '';
      const read = Array.isArray(ids) ? ids.includes(id) : BigInt(id) <= BigInt(ids.upTo);
      if (read) setRead(item);
    }
  }

  get isEmpty(): boolean {
    return this.list.childElementCount === 0;
  }

  /** Relative times age: refreshed now and then, without asking the server anything. */
  refreshTimes(): void {
    for (const time of this.list.querySelectorAll('time')) {
      time.textContent = relativeTime(time.dateTime);
    }
  }

  private item(notification: Notification): HTMLLIElement {
    const item = element('li', { className: 'notification' });
    item.dataset.id = notification.id;
    const badge = element('span', { className: 'badge', textContent: 'New' });
    const type = element('strong', { className: 'type', textContent: notification.type });
    const summary = element('p', { className: 'summary', textContent: summarize(notification) });
    const time = element('time', {
      dateTime: notification.createdAt,
      textContent: relativeTime(notification.createdAt),
      title: new Date(notification.createdAt).toLocaleString(),
    });
    const button = element('button', {
      type: 'button',
      className: 'mark-read',
      textContent: 'Mark read',
    });
    button.setAttribute('aria-label', `Mark “${notification.type}” read`);
    button.addEventListener('click', () => this.markRead(notification.id));
    item.append(badge, type, time, summary, button);
    if (notification.readAt === null) item.classList.add('unread');
    else setRead(item);
    return item;
  }
}

function setRead(item: HTMLLIElement): void {
  item.classList.remove('unread');
  item.querySelector('.badge')?.remove();
  item.querySelector('.mark-read')?.remove();
}

/** The payload's `text` when it has one, else the payload itself, shortened. */
function summarize({ payload }: Notification): string {
  const text =
    typeof payload === 'object' && payload !== null && 'text' in payload
      ? String(payload.text)
      : JSON.stringify(payload);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  properties: Partial<HTMLElementTagNameMap[K]>,
): HTMLElementTagNameMap[K] {
  return Object.assign(document.createElement(tag), properties);
}
