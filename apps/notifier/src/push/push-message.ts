import type { LogRow } from '@app/persistence';
import { notificationJson } from '../notifications/notification-json';

/**
 * What a push carries at most: push services take 4,096 bytes of ciphertext, and aes128gcm
 * with one record adds 103, so 3,800 leaves room.
 */
export const MAX_PUSH_BODY_BYTES = 3800;

/**
 * The body of one push, which stands for `batched` unread notifications of a burst: the
 * newest one's stream `data:` JSON plus `"batched"`, or, when that would not fit, the same
 * without its payload and with `"truncated":true`, so that the page fetches it from the inbox.
 */
export function pushBody(newest: LogRow, batched: number): string {
  const full = `${notificationJson(newest).slice(0, -1)},"batched":${batched}}`;
  if (Buffer.byteLength(full) <= MAX_PUSH_BODY_BYTES) return full;
  return JSON.stringify({
    id: newest.id,
    type: newest.type,
    createdAt: newest.createdAt,
    readAt: newest.readAt,
    deliveredAt: newest.deliveredAt,
    truncated: true,
    batched,
  });
}
