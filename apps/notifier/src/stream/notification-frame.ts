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

/** Tells a resuming client that retention deleted its history before `oldestId`. */
export function historyTruncatedFrame(oldestId: bigint): Buffer {
  return resetFrame({ reason: 'history-truncated', oldestId: oldestId.toString() });
}

/** Tells a client that its resume point is past the log's newest id: it should reload. */
export function aheadOfLogFrame(newestId: bigint): Buffer {
  return resetFrame({ reason: 'ahead-of-log', newestId: newestId.toString() });
}

/** `event: reset`, without `id:`: the client's resume point moves only with rows. */
function resetFrame(data: object): Buffer {
  return Buffer.from(encodeEvent({ event: 'reset', data: JSON.stringify(data) }));
}

/** Tells the user's other tabs that notifications were read (no `id:`: not a resume point). */
export function readFrame(change: { ids: string[] } | { upTo: string }): Buffer {
  return Buffer.from(encodeEvent({ event: 'read', data: JSON.stringify(change) }));
}
