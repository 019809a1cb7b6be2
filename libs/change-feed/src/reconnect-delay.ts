const MAX_BACKOFF_MS = 5_000;

/** Exponential backoff with jitter, capped, so that instances do not reconnect in lockstep. */
export function reconnectDelay(attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
