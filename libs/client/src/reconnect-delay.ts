/** EventSource's usual reconnection time until the stream's first `retry:` says otherwise. */
export const DEFAULT_RETRY_MS = 3_000;
/** However long the trouble lasts, a client comes back at least this often. */
export const MAX_BACKOFF_MS = 60_000;

/**
 * How long to wait before reconnecting. After the server ended a stream: its `retry:` time,
 * as EventSource waits. After `failures` attempts in a row that failed (network errors, 5xx):
 * that time doubled per failure up to MAX_BACKOFF_MS, jittered into its upper half so that
 * the clients of a restarted instance do not come back in step.
 */
export function reconnectDelay(retryMs: number, failures: number, random = Math.random()): number {
  if (failures === 0) return retryMs;
  const backoff = Math.min(MAX_BACKOFF_MS, retryMs * 2 ** (failures - 1));
  return backoff / 2 + (backoff / 2) * random;
}
