import type { Pool } from 'pg';
import type { Producer } from './notifier-harness';
import { sleep, waitForAsync } from './wait-for';

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

/** A client that keeps the notification ids it received, in order. */
export interface ReceivingClient {
  readonly ids: string[];
  waitForIds(count: number, timeoutMs?: number): Promise<void>;
}

/**
 * Once producers have stopped and the outbox is drained: the log of `user`, and how what
 * `client` received compares with it once the client has caught up (and 100 ms more, for a
 * duplicate right behind).
 */
export async function deliveryOfLog(
  producer: Producer,
  user: string,
  client: ReceivingClient,
  timeoutMs?: number,
): Promise<{ expected: string[]; check: DeliveryCheck }> {
  const expected = await producer.logIds(user);
  await client.waitForIds(expected.length, timeoutMs);
  await sleep(100);
  return { expected, check: checkDelivery(client.ids, expected) };
}

/**
 * The end of a fault test: the outbox drained, each client holds its user's whole log exactly
 * once (and more than a few rows, so that the fault happened under load).
 */
export async function expectEachHoldsItsLogOnce(
  producer: Producer,
  deliveries: readonly { user: string; client: ReceivingClient }[],
): Promise<void> {
  await waitForDrainedOutbox(producer.pool);
  for (const { user, client } of deliveries) {
    const { expected, check } = await deliveryOfLog(producer, user, client);
    expect(expected.length).toBeGreaterThan(10);
    expect(check).toEqual(exactly(expected.length));
  }
}
