import { encodeEvent } from '@app/sse';
import type { LogRow } from '@app/persistence';

/** A log row, encoded once and shared by every open tab of its user. */
export interface LogEvent {
  id: bigint;
  frame: Buffer;
}

/**
 * `{"id","type","payload","createdAt","readAt","deliveredAt"}`: the payload is spliced in as the
 * JSON text Postgres produced, so the live path never parses or re-serializes user data.
 */
export function notificationJson(row: LogRow): string {
  return (
    `{"id":"${row.id}","type":${JSON.stringify(row.type)},"payload":${row.payload},` +
    `"createdAt":${JSON.stringify(row.createdAt)},"readAt":${JSON.stringify(row.readAt)},` +
    `"deliveredAt":${JSON.stringify(row.deliveredAt)}}`
  );
}

export function toLogEvent(row: LogRow): LogEvent {
  return {
    id: BigInt(row.id),
    frame: Buffer.from(encodeEvent({ id: row.id, data: notificationJson(row) })),
  };
}

/** Tells a resuming client that retention deleted the history before `oldestId`. */
export function resetFrame(oldestId: bigint): Buffer {
  const data = JSON.stringify({ reason: 'history-truncated', oldestId: oldestId.toString() });
  return Buffer.from(encodeEvent({ event: 'reset', data }));
}

/** Tells the user's other tabs that notifications were read (no `id:`: not a resume point). */
export function readFrame(change: { ids: string[] } | { upTo: string }): Buffer {
  return Buffer.from(encodeEvent({ event: 'read', data: JSON.stringify(change) }));
}
