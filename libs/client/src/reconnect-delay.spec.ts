import { MAX_BACKOFF_MS, reconnectDelay } from './reconnect-delay.js';

describe('reconnectDelay', () => {
  it('waits the server’s retry time after a stream it ended', () => {
    expect(reconnectDelay(3_000, 0, 0.99)).toBe(3_000);
  });

  it('doubles per failure in a row, jittered between half and all of it', () => {
    expect([1, 2, 3].map((failures) => reconnectDelay(1_000, failures, 0))).toEqual([
      500, 1_000, 2_000,
    ]);
    expect([1, 2, 3].map((failures) => reconnectDelay(1_000, failures, 1))).toEqual([
      1_000, 2_000, 4_000,
    ]);
  });

  it('never waits longer than the cap, however many failures', () => {
    expect(reconnectDelay(3_000, 40, 1)).toBe(MAX_BACKOFF_MS);
    expect(reconnectDelay(3_000, 40, 0)).toBe(MAX_BACKOFF_MS / 2);
  });
});
