import { encodeEvent } from '@app/sse';
import type { LogRow } from '@app/persistence';
import { notificationJson } from '../notifications/notification-json';

/** A log row, encoded once and shared by every open tab of its user. */
export interface LogEvent {
  id: bigint;
  frame: Buffer;
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
