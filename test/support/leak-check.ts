import type { Pool } from 'pg';

/**
 * What a test leaves behind fails it. Everything that can leak registers here while it runs
 * (an in-process instance, a producer's pool); after each test, `no-leaks.ts` closes what the
 * test opened through the harness (streams, tabs) and then waits a bounded time for every
 * registered thing to come to rest: the service needs a moment to see a closed socket.
 */
export interface LeakWatch {
  /** What it still holds open, one line each; empty at rest. */
  leftOpen(): string[] | Promise<string[]>;
}

/** Long enough for the service to see every socket a test closed, short next to a test. */
const SETTLE_MS = 5_000;

const watched = new Set<LeakWatch>();
const closers: (() => unknown)[] = [];

/** Watches until the returned function is called (when the thing is closed). */
export function watchForLeaks(watch: LeakWatch): () => void {
  watched.add(watch);
  return () => void watched.delete(watch);
}

/** Runs `close` when the running test ends, before the check: for clients a test opens. */
export function closeAfterTest(close: () => unknown): void {
  closers.push(close);
}

/** A pool is at rest when none of its clients is checked out and nobody waits for one. */
export function poolAtRest(name: string, pool: Pool): LeakWatch {
  return {
    leftOpen: () => {
      const checkedOut = pool.totalCount - pool.idleCount;
      return [
        ...(checkedOut > 0 ? [`${name}: ${checkedOut} pool clients checked out`] : []),
        ...(pool.waitingCount > 0 ? [`${name}: ${pool.waitingCount} waiting for a client`] : []),
      ];
    },
  };
}

/** Closes what the test opened, then fails with whatever is still open after SETTLE_MS. */
export async function expectNothingLeftOpen(): Promise<void> {
  for (const close of closers.splice(0).reverse()) await close();
  const deadline = Date.now() + SETTLE_MS;
  let left = await leftOpen();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    left = await leftOpen();
  }
  if (left.length > 0) {
    throw new Error(`Still open ${SETTLE_MS} ms after the test:\n  ${left.join('\n  ')}`);
  }
}

async function leftOpen(): Promise<string[]> {
  const lines = await Promise.all([...watched].map(async (watch) => watch.leftOpen()));
  return lines.flat();
}
