import type { TokenSource } from './access-token.js';
import { isAfter } from './event-id.js';
import { InboxApi } from './inbox-api.js';
import { Listeners } from './listeners.js';
import type {
  ClosedReason,
  ConnectionStatus,
  Notification,
  ReadChange,
  ResetNotice,
} from './notification.js';
import { NotificationStream } from './notification-stream.js';
import { type Preferences, PreferencesApi } from './preferences-api.js';
import { PushRegistration } from './push-registration.js';
import { type ChannelLike, memoryStorage, platform, type StorageLike } from './runtime.js';
import { NotifierApiError, ServiceApi } from './service-api.js';
import { electTabLeader, type TabLeader } from './tab-leader.js';
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
  /** Where the tabs' leader keeps its lease without Web Locks: localStorage in browsers. */
  storage?: StorageLike;
  /** Share one stream among the user's tabs: on by default in browsers. */
  shareAcrossTabs?: boolean;
  /** How many notifications `start()` loads. */
  pageSize?: number;
}

/**
 * `idle` until `start()`; `loading` the inbox, while what other tabs share waits; `loaded`,
 * following the stream (or the tab that leads it) from the inbox's newest id.
 */
type Phase = 'idle' | 'loading' | 'loaded';

/**
 * The signed-in user's notifications: loads the inbox, then follows the stream from the
 * inbox's newest id, so that nothing falls between. In browsers the user's tabs share one
 * stream (see `TabLeader`); every tab shows the same notifications, read state and status.
 */
export class NotifierClient {
  status: ConnectionStatus = 'connecting';
  /** Set once the status is `closed-for-good`. */
  closedReason?: ClosedReason;

  private readonly notificationListeners = new Listeners<[Notification]>();
  private readonly reads = new Listeners<[ReadChange]>();
  private readonly resets = new Listeners<[ResetNotice]>();
  private readonly statuses = new Listeners<[ConnectionStatus, ClosedReason | undefined]>();
  private readonly unreadCounts = new Listeners<[number]>();

  private readonly pageSize: number;
  private readonly inbox: InboxApi;
  private readonly settings: PreferencesApi;
  private readonly counter = new UnreadCounter();
  private readonly channel?: ChannelLike;
  private readonly leader: TabLeader;
  private readonly stream: NotificationStream;
  private readonly push: PushRegistration;
  private phase: Phase = 'idle';
  private started?: Promise<Notification[]>;
  /** Newest first: the inbox's first page, then every notification that arrived. */
  private shown: readonly Notification[] = [];
  /**
   * The newest id shown, from the inbox or the stream: the only resume point the stream is
   * ever given. Undefined while there is none: the stream then starts live.
   */
  private lastDelivered?: string;
  private leading = false;
  /** Shared messages that arrived while the inbox was loading. */
  private readonly early: TabMessage[] = [];

  constructor(options: NotifierClientOptions) {
    const baseUrl = options.baseUrl ?? '';
    // Tabs exist where localStorage does; Node has BroadcastChannel too, but no tabs.
    const shared = options.shareAcrossTabs ?? platform.localStorage !== undefined;
    const storage = options.storage ?? platform.localStorage ?? memoryStorage();
    const scope = `notifier:${scopeOf(options)}`;
    const api = new ServiceApi(baseUrl, options.token);

    this.inbox = new InboxApi(api);
    this.settings = new PreferencesApi(api);
    this.push = new PushRegistration(api);
    this.pageSize = options.pageSize ?? 50;
    if (shared && platform.BroadcastChannel) {
      this.channel = new platform.BroadcastChannel(scope);
      this.channel.addEventListener('message', (event) => this.receive(event.data as TabMessage));
    }
    this.leader = electTabLeader(`${scope}:leader`, this.channel ? storage : undefined);
    this.stream = new NotificationStream(baseUrl, options.token, {
      opened: (live) => (live ? this.catchUp() : Promise.resolve()),
      notification: (notification) => this.share({ kind: 'notification', notification }),
      read: (change) => this.share({ kind: 'read', change }),
      reset: (notice) => this.share({ kind: 'reset', notice }),
      status: (status) => this.share({ kind: 'status', status }),
      refused: (reason) => this.share({ kind: 'status', status: 'closed-for-good', reason }),
    });
  }

  onNotification(callback: (notification: Notification) => void): () => void {
    return this.notificationListeners.add(callback);
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

  /**
   * Newest first: the inbox's first page, then every notification that arrived, with the read
   * state the stream reported. A new array after each change, the same one otherwise.
   */
  get notifications(): readonly Notification[] {
    return this.shown;
  }

  /** The newest id shown, from which the stream resumes; undefined while there is none. */
  get lastId(): string | undefined {
    return this.lastDelivered;
  }

  /**
   * Loads the newest page of the inbox (returned, newest first) and the unread ones, then
   * follows the stream after that page's newest id. Rejects with `NotifierApiError` (401: the
   * token was refused, and the status becomes `closed-for-good`). Called again, it returns the
   * same page; after a failure, it tries again.
   */
  start(): Promise<Notification[]> {
    this.started ??= this.load().catch((error: unknown) => {
      if (error instanceof NotifierApiError && error.status === 401) this.stop('unauthorized');
      else this.retryable();
      throw error;
    });
    return this.started;
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

  /** The user's preferences: `{push: {mutedTypes: […]}}`, empty when never set. */
  preferences(): Promise<Preferences> {
    return this.settings.read();
  }

  /**
   * Replaces the user's preferences and resolves to what was stored. A muted type is never
   * pushed; rejects with NotifierApiError 400 (naming `push.mutedTypes`) for a pattern that is
   * not a type, optionally ending in `*`, or for more than 100.
   */
  setPreferences(preferences: Preferences): Promise<Preferences> {
    return this.settings.replace(preferences);
  }

  async markRead(id: string): Promise<void> {
    await this.inbox.markRead(id);
    // The stream tells every tab, this one too; applying it here at once keeps this tab right
    // while the stream reconnects. A read applied twice counts once.
    if (this.counter.isUnread(id)) this.apply({ kind: 'read', change: { ids: [id] } });
  }

  async markAllRead(): Promise<void> {
    await this.inbox.markAllRead();
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

  private async load(): Promise<Notification[]> {
    this.phase = 'loading';
    const page = await this.inbox.page({ limit: this.pageSize });
    const unread = await this.inbox.page({ limit: UNREAD_PAGE, unread: true });
    const total = unread.nextBefore === null ? unread.items.length : await this.inbox.unreadCount();
    this.counter.reset(
      unread.items.map((item) => item.id),
      total,
    );
    this.shown = page.items;
    // Only an id the server gave may resume the stream; with none it starts live (catchUp).
    this.lastDelivered = page.items[0]?.id;
    this.phase = 'loaded';
    this.unreadCounts.emit(this.counter.count);
    this.early.splice(0).forEach((message) => this.apply(message));
    this.channel?.postMessage({ kind: 'hello' } satisfies TabMessage);
    this.leader.start(() => this.lead());
    return page.items;
  }

  /** A load that failed on the way (the network, say): `start()` may be called again. */
  private retryable(): void {
    this.phase = 'idle';
    this.early.length = 0;
    this.started = undefined;
  }

  private lead(): void {
    if (this.status === 'closed-for-good') return;
    this.leading = true;
    this.stream.open(() => this.lastDelivered);
  }

  /**
   * A stream that started live (nothing shown yet to resume from) lacks what was appended
   * while it opened, after the inbox was loaded: the inbox has it now. The stream's own
   * events are read after this, and those already shown are dropped.
   */
  private async catchUp(): Promise<void> {
    const page = await this.inbox.page({ limit: this.pageSize });
    for (const notification of [...page.items].reverse()) {
      this.share({ kind: 'notification', notification });
    }
  }

  /** What this tab's own stream says: shared with the other tabs, then applied here. */
  private share(message: TabMessage): void {
    this.channel?.postMessage(message);
    this.apply(message);
  }

  private receive(message: TabMessage): void {
    if (message.kind === 'hello') {
      if (this.leading) this.channel?.postMessage({ kind: 'status', status: this.status });
    } else if (this.phase === 'loading') {
      this.early.push(message);
    } else if (this.phase === 'loaded') {
      this.apply(message);
    }
  }

  private apply(message: TabMessage): void {
    switch (message.kind) {
      case 'notification':
        return this.deliver(message.notification);
      case 'read':
        this.counter.markRead(message.change);
        this.shown = markedRead(this.shown, message.change);
        this.reads.emit(message.change);
        return this.unreadCounts.emit(this.counter.count);
      case 'reset':
        return this.reset(message.notice);
      case 'status':
        return this.setStatus(message.status, message.reason);
    }
  }

  /**
   * After `ahead-of-log` the ids that follow are lower than those shown: the stream's new
   * starting point, from the server, replaces the last one shown, or all would be dropped.
   */
  private reset(notice: ResetNotice): void {
    if (notice.reason === 'ahead-of-log') this.lastDelivered = notice.newestId;
    this.resets.emit(notice);
  }

  /** Ids arrive in order from the stream and from the leader: anything not newer was shown. */
  private deliver(notification: Notification): void {
    if (this.lastDelivered !== undefined && !isAfter(notification.id, this.lastDelivered)) return;
    this.lastDelivered = notification.id;
    this.shown = [notification, ...this.shown];
    this.counter.received(notification);
    this.notificationListeners.emit(notification);
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

/**
 * The list with the notifications of `change` marked read, or the same list when none was
 * unread. The stream says which were read, not when: this tab's clock stands in.
 */
function markedRead(list: readonly Notification[], change: ReadChange): readonly Notification[] {
  const isRead = readTest(change);
  if (!list.some((item) => item.readAt === null && isRead(item.id))) return list;
  const now = new Date().toISOString();
  return list.map((item) =>
    item.readAt === null && isRead(item.id) ? { ...item, readAt: now } : item,
  );
}

function readTest(change: ReadChange): (id: string) => boolean {
  if ('upTo' in change) return (id) => !isAfter(id, change.upTo);
  const ids = new Set(change.ids);
  return (id) => ids.has(id);
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
