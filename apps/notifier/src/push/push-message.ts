import type { LogRow } from '@app/persistence';
import { notificationJson } from '../notifications/notification-json';

/**
 * What a push carries at most: push services take 4,096 bytes of ciphertext, and aes128gcm
 * with one record adds 103, so 3,800 leaves room.
 */
export const MAX_PUSH_BODY_BYTES = 3800;

/**
 * The push body: the stream's `data:` JSON, or, when that would not fit, the same without its
 * payload and with `"truncated":true`, so that the page fetches it from the inbox.
 */
export function pushBody(row: LogRow): string {
  const full = notificationJson(row);
  if (Buffer.byteLength(full) <= MAX_PUSH_BODY_BYTES) return full;
  return JSON.stringify({
    id: row.id,
    type: row.type,
    createdAt: row.createdAt,
    readAt: row.readAt,
    deliveredAt: row.deliveredAt,
    truncated: true,
  });
}
