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

/** `event: reset`: the resume point was older than what retention kept. */
export interface ResetNotice {
  reason: string;
  oldestId: string;
}

export type ConnectionStatus = 'connecting' | 'open' | 'closed-for-good';

/**
 * Why the stream stopped for good: an admin closed it (404); the token was refused (401) and
 * the app has to sign the user in again; or another answer that a retry would not change
 * (another 4xx, or a 200 that is not an event stream).
 */
export type ClosedReason = 'stream-closed' | 'unauthorized' | 'refused';
