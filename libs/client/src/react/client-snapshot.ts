import type { ClosedReason, ConnectionStatus, Notification } from '../notification.js';
import type { NotifierClient } from '../notifier-client.js';

/** What a client shows at one moment: one object until one of its parts changes. */
export interface ClientSnapshot {
  /** Newest first: the inbox's first page, then what arrived; read ones have `readAt` set. */
  notifications: readonly Notification[];
  unreadCount: number;
  status: ConnectionStatus;
  /** Set with `closed-for-good`: `unauthorized` means sign the user in again. */
  closedReason?: ClosedReason;
}

/** A client as an external store: `subscribe` and `getSnapshot` for useSyncExternalStore. */
export interface ClientStore {
  subscribe: (onChange: () => void) => () => void;
  getSnapshot: () => ClientSnapshot;
}

const stores = new WeakMap<NotifierClient, ClientStore>();

/** One store per client, so that its functions stay the same from one render to the next. */
export function storeOf(client: NotifierClient): ClientStore {
  let store = stores.get(client);
  if (!store) {
    store = clientStore(client);
    stores.set(client, store);
  }
  return store;
}

function clientStore(client: NotifierClient): ClientStore {
  let snapshot = snapshotOf(client);
  return {
    subscribe: (onChange) => {
      const removals = [
        client.onNotification(onChange),
        client.onRead(onChange),
        client.onUnreadCount(onChange),
        client.onStatus(onChange),
      ];
      return () => removals.forEach((remove) => remove());
    },
    getSnapshot: () => {
      if (!sameParts(snapshot, client)) snapshot = snapshotOf(client);
      return snapshot;
    },
  };
}

function snapshotOf({
  notifications,
  unreadCount,
  status,
  closedReason,
}: NotifierClient): ClientSnapshot {
  return { notifications, unreadCount, status, closedReason };
}

function sameParts(snapshot: ClientSnapshot, client: NotifierClient): boolean {
  return (
    snapshot.notifications === client.notifications &&
    snapshot.unreadCount === client.unreadCount &&
    snapshot.status === client.status &&
    snapshot.closedReason === client.closedReason
  );
}
