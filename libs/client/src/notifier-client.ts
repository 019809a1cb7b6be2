import type { TokenSource } from './access-token.js';
import { isAfter } from './event-id.js';
import { InboxApi, InboxApiError } from './inbox-api.js';
import { LastIdStore } from './last-id-store.js';
import { Listeners } from './listeners.js';
import type {
  ClosedReason,
  ConnectionStatus,
  Notification,
  ReadChange,
  ResetNotice,
} from './notification.js';
import { NotificationStream } from './notification-stream.js';
import { PushRegistration } from './push-registration.js';
import {
  ChannelLike,
  EventSourceConstructor,
  memoryStorage,
  platform,
  StorageLike,
} from './runtime.js';
import { electTabLeader, TabLeader } from './tab-leader.js';
import type { TabMessage } from './tab-message.js';
import { UnreadCounter } from './unread-counter.js';

/** The most unread notifications the API lists at once: more are only counted. */
const UNREAD_PAGE = 200;

export interface NotifierClientOptions {
  /**
   * The user's JWT, or a function returning the current one: then every reconnect of the
   * stream (the server ends a stream when its token expires) and every API call asks it.
   */
  token: TokenSource;
  /** Keeps users of one browser apart; needed with a token provider (else read from the token). */
  userId?: string;
  /** Origin of the service; '' (the default) is the page's own. */
  baseUrl?: string;
  /** Defaults to the global one; Node 20 has none: pass the `eventsource` package's. */
  EventSource?: EventSourceConstructor;
  /** Where the last id is kept: localStorage in browsers, memory elsewhere. */
  storage?: StorageLike;
  /** Share one stream among the user's tabs: on by default in browsers. */
  shareAcrossTabs?: boolean;
  /** How many notifications `start()` loads. */
  pageSize?: number;
}

/**
 * The signed-in user's notifications: loads the inbox, then follows the stream from the
 * inbox's newest id, so that nothing falls between. In browsers the user's tabs share one
 * stream (see `TabLeader`); every tab shows the same notifications, read state and status.
 */
export class NotifierClient {
  status: ConnectionStatus = 'connecting';
  /** Set once the status is `closed-for-good`. */
  closedReason?: ClosedReason;

  private readonly notifications = new Listeners<[Notification]>();
  private readonly reads = new Listeners<[ReadChange]>();
  private readonly resets = new Listeners<[ResetNotice]>();
  private readonly statuses = new Listeners<[ConnectionStatus, ClosedReason | undefined]>();
  private readonly unreadCounts = new Listeners<[number]>();

  private readonly pageSize: number;
  private readonly api: InboxApi;
  private readonly lastIds: LastIdStore;
  private readonly counter = new UnreadCounter();
  private readonly channel?: ChannelLike;
  private readonly leader: TabLeader;
  private readonly stream: NotificationStream;
  private readonly push: PushRegistration;
  /** The newest id shown; undefined until the inbox is loaded. */
  private lastDelivered?: string;
  private leading = false;
  /** Shared messages that arrived while the inbox was loading. */
  private readonly early: TabMessage[] = [];

  constructor(options: NotifierClientOptions) {
    const baseUrl = options.baseUrl ?? '';
    const EventSource = options.EventSource ?? platform.EventSource;
    if (!EventSource) throw new Error('No EventSource here: pass one as the EventSource option');
    // Tabs exist where localStorage does; Node has BroadcastChannel too, but no tabs.
    const shared = options.shareAcrossTabs ?? platform.localStorage !== undefined;
    const storage = options.storage ?? platform.localStorage ?? memoryStorage();
    const scope = `notifier:${scopeOf(options)}`;

    this.api = new InboxApi(baseUrl, options.token);
    this.push = new PushRegistration(baseUrl, options.token);
    this.lastIds = new LastIdStore(storage, `${scope}:last-id`);
    this.pageSize = options.pageSize ?? 50;
    if (shared && platform.BroadcastChannel) this.channel = new platform.BroadcastChannel(scope);
    this.leader = electTabLeader(`${scope}:leader`, this.channel ? storage : undefined);
    this.stream = new NotificationStream(EventSource, baseUrl, options.token, {
      notification: (notification) => this.share({ kind: 'notification', notification }),
      read: (change) => this.share({ kind: 'read', change }),
      reset: (notice) => this.share({ kind: 'reset', notice }),
      status: (status) => this.share({ kind: 'status', status }),
      refused: () => void this.refused(),
    });
  }

  onNotification(callback: (notification: Notification) => void): () => void {
    return this.notifications.add(callback);
  }

  onRead(callback: (change: ReadChange) => void): () => void {
    return this.reads.add(callback);
  }

  onReset(callback: (notice: ResetNotice) => void): () => void {
    return this.resets.add(callback);
  }

  /** `reason` is set with `closed-for-good`: `unauthorized` means sign the user in again. */
  onStatus(callback: (status: ConnectionStatus, reason?: ClosedReason) => void): () => void {
    return this.statuses.add(callback);
  }

  onUnreadCount(callback: (count: number) => void): () => void {
    return this.unreadCounts.add(callback);
  }

  get unreadCount(): number {
    return this.counter.count;
  }

  /** The newest id shown, from which the stream resumes. */
  get lastId(): string | undefined {
    return this.lastDelivered;
  }

  /**
   * Loads the newest page of the inbox (returned, newest first) and the unread ones, then
   * follows the stream after that page's newest id. Rejects with `InboxApiError` (401: the
   * token was refused, and the status becomes `closed-for-good`).
   */
  async start(): Promise<Notification[]> {
    // Listen before loading: what the leader shares meanwhile is applied after the load.
    this.channel?.addEventListener('message', (event) => this.receive(event.data as TabMessage));
    try {
      const page = await this.api.page({ limit: this.pageSize });
      const unread = await this.api.page({ limit: UNREAD_PAGE, unread: true });
      const total = unread.nextBefore === null ? unread.items.length : await this.api.unreadCount();
      this.counter.reset(
        unread.items.map((item) => item.id),
        total,
      );
      // The page's newest id, not the stored one: the leader may have stored a later id whose
      // notification this tab has not received yet.
      this.lastDelivered = page.items[0]?.id ?? this.lastIds.get() ?? '0';
      this.unreadCounts.emit(this.counter.count);
      this.early.splice(0).forEach((message) => this.apply(message));
      this.channel?.postMessage({ kind: 'hello' } satisfies TabMessage);
      this.leader.start(() => this.lead());
      return page.items;
    } catch (error) {
      if (error instanceof InboxApiError && error.status === 401) this.stop('unauthorized');
      throw error;
    }
  }

  /**
   * Web Push on this device: asks for notification permission, subscribes with the service's
   * key through the page's service worker (`/sw.js`) and registers the subscription, so that
   * notifications no open tab received show as system notifications. Throws a
   * PushUnavailableError when the browser cannot, the user refuses or the service has it off.
   */
  enablePush(serviceWorkerUrl?: string): Promise<void> {
    return this.push.enable(serviceWorkerUrl);
  }

  /** Stops Web Push on this device: unregisters and drops its subscription. */
  disablePush(serviceWorkerUrl?: string): Promise<void> {
    return this.push.disable(serviceWorkerUrl);
  }

  /** Whether this device has a push subscription. */
  pushEnabled(serviceWorkerUrl?: string): Promise<boolean> {
    return this.push.enabled(serviceWorkerUrl);
  }

  async markRead(id: string): Promise<void> {
    await this.api.markRead(id);
    // The stream tells every tab, this one too; applying it here at once keeps this tab right
    // while the stream reconnects. A read applied twice counts once.
    if (this.counter.isUnread(id)) this.apply({ kind: 'read', change: { ids: [id] } });
  }

  async markAllRead(): Promise<void> {
    await this.api.markAllRead();
    if (this.lastDelivered !== undefined) {
      this.apply({ kind: 'read', change: { upTo: this.lastDelivered } });
    }
  }

  /** Closes the stream (when leading) and leaves the other tabs; another one takes over. */
  stop(reason?: ClosedReason): void {
    this.leader.stop();
    this.stream.close();
    this.channel?.close();
    if (reason) this.apply({ kind: 'status', status: 'closed-for-good', reason });
  }

  private lead(): void {
    if (this.status === 'closed-for-good' || this.lastDelivered === undefined) return;
    this.leading = true;
    this.stream.open(this.lastDelivered);
  }

  /** EventSource gave up: a 401 from the API tells a refused token from a closed stream. */
  private async refused(): Promise<void> {
    const reason = await this.api.unreadCount().then(
      () => 'stream-closed' as const,
      (error: unknown) =>
        error instanceof InboxApiError && error.status === 401 ? 'unauthorized' : 'stream-closed',
    );
    this.share({ kind: 'status', status: 'closed-for-good', reason });
  }

  /** What this tab's own stream says: shared with the other tabs, then applied here. */
  private share(message: TabMessage): void {
    this.channel?.postMessage(message);
    this.apply(message);
  }

  private receive(message: TabMessage): void {
    if (message.kind === 'hello') {
      if (this.leading) this.channel?.postMessage({ kind: 'status', status: this.status });
    } else if (this.lastDelivered === undefined) {
      this.early.push(message);
    } else {
      this.apply(message);
    }
  }

  private apply(message: TabMessage): void {
    switch (message.kind) {
      case 'notification':
        return this.deliver(message.notification);
      case 'read':
        this.counter.markRead(message.change);
        this.reads.emit(message.change);
        return this.unreadCounts.emit(this.counter.count);
      case 'reset':
        return this.resets.emit(message.notice);
      case 'status':
        return this.setStatus(message.status, message.reason);
    }
  }

  /** Ids arrive in order from the stream and from the leader: anything not newer was shown. */
  private deliver(notification: Notification): void {
    if (this.lastDelivered !== undefined && !isAfter(notification.id, this.lastDelivered)) return;
    this.lastDelivered = notification.id;
    this.lastIds.advance(notification.id);
    this.counter.received(notification);
    this.notifications.emit(notification);
    this.unreadCounts.emit(this.counter.count);
  }

  private setStatus(status: ConnectionStatus, reason?: ClosedReason): void {
    if (this.status === 'closed-for-good' || this.status === status) return;
    this.status = status;
    if (status === 'closed-for-good') {
      this.closedReason = reason;
      // Every tab stops, and the leader keeps the lead: no tab may open the stream again just
      // to be refused.
      if (!this.leading) this.leader.stop();
      this.stream.close();
    }
    this.statuses.emit(status, reason);
  }
}

function scopeOf({ token, userId }: NotifierClientOptions): string {
  if (userId !== undefined) return userId;
  if (typeof token === 'string') return userOf(token);
  throw new Error('Pass userId along with a token provider');
}

/** The token's subject, to keep users signed in on one browser apart; it is not verified. */
function userOf(token: string): string {
  try {
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as {
      sub?: unknown;
    };
    return typeof claims.sub === 'string' ? claims.sub : 'anonymous';
  } catch {
    return 'anonymous';
  }
}
