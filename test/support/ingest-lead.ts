import type { Pool } from 'pg';
import { LEADER_LOCK } from '../../apps/notifier/src/leadership/ingest-leadership';
import { sleep } from './wait-for';

/** The database's own view of the ingest lead: sessions holding the leader's advisory lock. */
export async function heldLeaderLocks(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [...LEADER_LOCK],
  );
  return rows[0].n;
}

/**
 * Counts, every 5 ms until `stop()`, the moments at which more than one instance believes it
 * leads: "never two at once" is a count of 0.
 */
export function countMomentsWithTwoLeaders(leaders: () => readonly unknown[]): {
  stop(): number;
} {
  let moments = 0;
  const sampler = setInterval(() => {
    if (leaders().length > 1) moments++;
  }, 5);
  return {
    stop: () => {
      clearInterval(sampler);
      return moments;
    },
  };
}

/**
 * Runs `fault` on the ingest lead, with half a second of load before and after it, while
 * counting the moments with two leaders; then stops `load` and expects none such moment and
 * one leader's lock held.
 */
export async function withOneLeaderThroughout(
  leaders: () => readonly unknown[],
  pool: Pool,
  load: { stop(): Promise<unknown> },
  fault: () => Promise<void>,
): Promise<void> {
  const twoLeaders = countMomentsWithTwoLeaders(leaders);
  let momentsWithTwoLeaders: number;
  try {
    await sleep(500);
    await fault();
    await sleep(500);
  } finally {
    momentsWithTwoLeaders = twoLeaders.stop();
    await load.stop();
  }
  expect(momentsWithTwoLeaders).toBe(0);
  expect(await heldLeaderLocks(pool)).toBe(1);
}
