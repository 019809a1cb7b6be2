import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { NotifierClient } from '../notifier-client.js';
import { type ClientSnapshot, storeOf } from './client-snapshot.js';

export interface NotificationsView extends ClientSnapshot {
  /** Why the inbox could not be loaded (a NotifierApiError, or the network's error). */
  error?: unknown;
  /** Marks one read, here and in every tab and device of the user. */
  markRead: (id: string) => Promise<void>;
  markAllRead: () => Promise<void>;
}

/**
 * The client's notifications, unread count and connection status, rendered again whenever one
 * changes. Starts the client (loads the inbox, then follows the stream) if the app has not;
 * stopping it stays with whoever made it.
 */
export function useNotifications(client: NotifierClient): NotificationsView {
  const store = storeOf(client);
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    setError(undefined);
    client.start().catch(setError);
  }, [client]);
  const markRead = useCallback((id: string) => client.markRead(id), [client]);
  const markAllRead = useCallback(() => client.markAllRead(), [client]);
  return useMemo(
    () => ({ ...snapshot, error, markRead, markAllRead }),
    [snapshot, error, markRead, markAllRead],
  );
}
