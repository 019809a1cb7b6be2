/** One notification, as the stream's `data:` and the inbox REST API carry it. */
export interface Notification {
  /** Log id: a 64-bit decimal string; compare with `compareIds`, never as numbers. */
  id: string;
  type: string;
  payload: unknown;
  createdAt: string;
  /** Null while unread. */
  readAt: string | null;
  /** When a stream first carried it to one of the user's tabs; null until then. */
  deliveredAt: string | null;
}

/** `event: read`: these ids, or everything up to `upTo` (read-all), were marked read. */
export type ReadChange = { ids: string[] } | { upTo: string };

/** `event: reset`: the resume point was older than what retention kept. */
export interface ResetNotice {
  reason: string;
  oldestId: string;
}

export type ConnectionStatus = 'connecting' | 'open' | 'closed-for-good';

/**
 * Why the stream stopped for good: an admin closed it (404), or the token was refused (401)
 * and the app has to sign the user in again.
 */
export type ClosedReason = 'stream-closed' | 'unauthorized';

export interface InboxPage {
  /** Newest first. */
  items: Notification[];
  nextBefore: string | null;
}
