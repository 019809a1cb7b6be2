import type { ConnectionStatus, Notification, ReadChange, ResetNotice } from './notification.js';
import type { EventSourceConstructor, EventSourceLike, StreamMessage } from './runtime.js';

/** EventSource.CLOSED: it gives up only after a non-200 answer (or `close()`). */
const CLOSED = 2;

export interface StreamListener {
  notification(notification: Notification): void;
  read(change: ReadChange): void;
  reset(notice: ResetNotice): void;
  /** `connecting` while EventSource (re)connects by itself, `open` once a stream answered 200. */
  status(status: Exclude<ConnectionStatus, 'closed-for-good'>): void;
  /** The server refused the stream (404 or 401): EventSource will not come back. */
  refused(): void;
}

/** One EventSource on `/users/me/events`, its frames parsed into typed calls. */
export class NotificationStream {
  private source?: EventSourceLike;

  constructor(
    private readonly EventSource: EventSourceConstructor,
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly listener: StreamListener,
  ) {}

  /** Opens the stream after `lastEventId`; EventSource then resumes from what it received. */
  open(lastEventId: string): void {
    const query = new URLSearchParams({ access_token: this.token, lastEventId });
    const source = new this.EventSource(`${this.baseUrl}/users/me/events?${query.toString()}`);
    this.source = source;
    this.listener.status('connecting');
    source.addEventListener('open', () => this.listener.status('open'));
    source.addEventListener('message', (event) =>
      this.listener.notification(parse<Notification>(event)),
    );
    source.addEventListener('read', (event) => this.listener.read(parse<ReadChange>(event)));
    source.addEventListener('reset', (event) => this.listener.reset(parse<ResetNotice>(event)));
    source.addEventListener('error', () => {
      if (source !== this.source) return;
      if (source.readyState !== CLOSED) return this.listener.status('connecting');
      this.close();
      this.listener.refused();
    });
  }

  close(): void {
    this.source?.close();
    this.source = undefined;
  }
}

function parse<T>(event: StreamMessage): T {
  return JSON.parse(String(event.data)) as T;
}
