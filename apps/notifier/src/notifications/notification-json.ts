import type { AdminLogRow, LogRow } from '@app/persistence';

/**
 * One notification as every client receives it: the stream's `data:`, a push's body, an item
 * of the inbox: `{"id","type","payload","createdAt","readAt","deliveredAt"}`. The payload is
 * spliced in as the JSON text Postgres produced, so it arrives exactly as stored (a 64-bit
 * integer stays exact) and the live path never parses or re-serializes user data.
 */
export function notificationJson(row: LogRow): string {
  return (
    `{"id":"${row.id}","type":${JSON.stringify(row.type)},"payload":${row.payload},` +
    `"createdAt":${JSON.stringify(row.createdAt)},"readAt":${JSON.stringify(row.readAt)},` +
    `"deliveredAt":${JSON.stringify(row.deliveredAt)}}`
  );
}

/** The same for admins, who also see whose it is and when the ingester appended it. */
export function adminNotificationJson(row: AdminLogRow): string {
  const reopened = notificationJson(row).slice(0, -1); // the same object, before its `}`
  return `${reopened},"userId":${JSON.stringify(row.userId)},"storedAt":${JSON.stringify(row.storedAt)}}`;
}
