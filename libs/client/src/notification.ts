import type { components } from './openapi-schema.js';

type Schemas = components['schemas'];

/** One notification, as the stream's `data:` and the inbox REST API carry it. */
export type Notification = Omit<Schemas['NotificationDto'], 'payload'> & {
  /**
   * Any JSON the producer wrote (the document says object, but a producer writing SQL may
   * store any JSON value). Log ids (`id`) are 64-bit decimal strings: compare them with
   * `compareIds`, never as numbers.
   */
  payload: unknown;
};

/** A page of the inbox, newest first; `nextBefore` asks for the next one. */
export type InboxPage = Omit<Schemas['InboxPageDto'], 'items'> & { items: Notification[] };

/** `event: read`: these ids, or everything up to `upTo` (read-all), were marked read. */
export type ReadChange = { ids: string[] } | { upTo: string };

/**
 * `event: reset`: what the client holds no longer lines up with the log; reload the inbox.
 * `history-truncated`: retention deleted notifications of this user after the resume point.
 * `ahead-of-log`: the resume point is past the log's newest id (a restored database); the
 * stream goes on from `newestId`, with ids lower than those the client held.
 */
export type ResetNotice =
  { reason: 'history-truncated'; oldestId: string } | { reason: 'ahead-of-log'; newestId: string };

export type ConnectionStatus = 'connecting' | 'open' | 'closed-for-good';

/**
 * Why the stream stopped for good: an admin closed it (404); the token was refused (401) and
 * the app has to sign the user in again; or another answer that a retry would not change
 * (another 4xx, or a 200 that is not an event stream).
 */
export type ClosedReason = 'stream-closed' | 'unauthorized' | 'refused';

/**
 * What the leading tab shares over BroadcastChannel, and what every tab applies to itself:
 * the leader applies its own stream's messages exactly as followers apply the shared ones.
 */
export type TabMessage =
  | { kind: 'notification'; notification: Notification }
  | { kind: 'read'; change: ReadChange }
  | { kind: 'reset'; notice: ResetNotice }
  | { kind: 'status'; status: ConnectionStatus; reason?: ClosedReason }
  /** A tab that just started asks the leader for its status. */
  | { kind: 'hello' };
