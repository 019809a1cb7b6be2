import type { Pool } from 'pg';
import { waitForAsync } from './wait-for';

/** How what a client received compares with what the database holds for its user. */
export interface DeliveryCheck {
  received: number;
  expected: number;
  missing: number;
  duplicated: number;
  unexpected: number;
  outOfOrder: number;
}

/** Compares counts rather than whole lists, so that a failure stays readable at any size. */
export function checkDelivery(
  received: readonly string[],
  expected: readonly string[],
): DeliveryCheck {
  const receivedSet = new Set(received);
  const expectedSet = new Set(expected);
  let outOfOrder = 0;
  for (let i = 1; i < received.length; i++) {
    if (BigInt(received[i]) <= BigInt(received[i - 1])) outOfOrder++;
  }
  return {
    received: received.length,
    expected: expected.length,
    missing: expected.filter((id) => !receivedSet.has(id)).length,
    duplicated: received.length - receivedSet.size,
    unexpected: received.filter((id) => !expectedSet.has(id)).length,
    outOfOrder,
  };
}

/** The check of a client that received exactly the `count` expected ids, in order. */
export function exactly(count: number): DeliveryCheck {
  return {
    received: count,
    expected: count,
    missing: 0,
    duplicated: 0,
    unexpected: 0,
    outOfOrder: 0,
  };
}

/**
 * Waits until the ingester has moved every outbox row into the log: once producers have
 * stopped, the log then holds exactly what they committed, and is what clients must match.
 */
export async function waitForDrainedOutbox(pool: Pool, timeoutMs = 20_000): Promise<void> {
  await waitForAsync(
    async () => {
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM notification_outbox',
      );
      return rows[0].n === 0;
    },
    'the outbox to be drained',
    timeoutMs,
  );
}
