import { currentToken, TokenSource } from './access-token.js';
import type { ConnectionStatus, Notification, ReadChange, ResetNotice } from './notification.js';
import type { EventSourceConstructor, EventSourceLike, StreamMessage } from './runtime.js';

/** EventSource.CLOSED: it gives up only after a non-200 answer (or `close()`). */
const CLOSED = 2;
/** How long a stream that ended waits before it reconnects with a fresh token. */
const RECONNECT_MS = 1_000;

export interface StreamListener {
  notification(notification: Notification): void;
  read(change: ReadChange): void;
  reset(notice: ResetNotice): void;
  /** `connecting` while EventSource (re)connects by itself, `open` once a stream answered 200. */
  status(status: Exclude<ConnectionStatus, 'closed-for-good'>): void;
  /** The server refused the stream (404 or 401): EventSource will not come back. */
  refused(): void;
}

/**
 * One EventSource on `/users/me/events`, its frames parsed into typed calls. With a fixed token
 * EventSource reconnects by itself; with a token provider every reconnect opens a new
 * EventSource with a fresh token, resuming after the last id received.
 */
export class NotificationStream {
  private source?: EventSourceLike;
  private lastEventId = '0';
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private opened = false;

  constructor(
    private readonly EventSource: EventSourceConstructor,
    private readonly baseUrl: string,
    private readonly token: TokenSource,
    private readonly listener: StreamListener,
  ) {}

  /** Opens the stream after `lastEventId`. */
  open(lastEventId: string): void {
    this.lastEventId = lastEventId;
    this.opened = true;
    void this.connect();
  }

  close(): void {
    this.opened = false;
    clearTimeout(this.reconnectTimer);
    this.source?.close();
    this.source = undefined;
  }

  private async connect(): Promise<void> {
    this.listener.status('connecting');
    let token: string;
    try {
      token = await currentToken(this.token);
    } catch {
      return this.reconnectLater();
    }
    if (!this.opened) return;
    const query = new URLSearchParams({ access_token: token, lastEventId: this.lastEventId });
    const source = new this.EventSource(`${this.baseUrl}/users/me/events?${query.toString()}`);
    this.source = source;
    source.addEventListener('open', () => this.listener.status('open'));
    source.addEventListener('message', (event) => {
      if (event.lastEventId) this.lastEventId = event.lastEventId;
      this.listener.notification(parse<Notification>(event));
    });
    source.addEventListener('read', (event) => this.listener.read(parse<ReadChange>(event)));
    source.addEventListener('reset', (event) => this.listener.reset(parse<ResetNotice>(event)));
    source.addEventListener('error', () => this.failed(source));
  }

  private failed(source: EventSourceLike): void {
    if (source !== this.source) return;
    if (source.readyState === CLOSED) {
      this.close();
      return this.listener.refused();
    }
    if (typeof this.token === 'string') return this.listener.status('connecting');
    // Its token may have expired: reconnect with a fresh one rather than EventSource's old URL.
    source.close();
    this.source = undefined;
    this.reconnectLater();
  }

  private reconnectLater(): void {
    this.listener.status('connecting');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (this.opened) void this.connect();
    }, RECONNECT_MS);
  }
}

function parse<T>(event: StreamMessage): T {
  return JSON.parse(String(event.data)) as T;
}
