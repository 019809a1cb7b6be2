import { retryAfterMs } from './push-sender';
import { retryAt } from './push-worker';

describe('push retries', () => {
  const now = Date.parse('2026-11-21T10:00:00.000Z');
  const claimed = (attempts: number, minutesAgo = 0) => ({
    attempts,
    firstClaimedAt: new Date(now - minutesAgo * 60_000).toISOString(),
  });

  it('back off exponentially from about a second, with jitter', () => {
    const wait = (attempts: number) =>
      (retryAt(claimed(attempts), undefined, now)?.getTime() ?? 0) - now;
    expect(wait(1)).toBeGreaterThanOrEqual(800);
    expect(wait(1)).toBeLessThanOrEqual(1200);
    expect(wait(4)).toBeGreaterThanOrEqual(6400);
    expect(wait(4)).toBeLessThanOrEqual(9600);
    expect(wait(30)).toBeLessThanOrEqual(12 * 60_000);
  });

  it('wait at least what Retry-After asks', () => {
    expect(retryAt(claimed(1), 30_000, now)?.getTime()).toBe(now + 30_000);
  });

  it('give up an hour after the first try', () => {
    expect(retryAt(claimed(3, 59.99), undefined, now)).toBeUndefined();
    expect(retryAt(claimed(1, 10), 3_600_000, now)).toBeUndefined();
  });

  it('read Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Sat, 21 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Sat, 21 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
