import type { Pool } from 'pg';
import { testPool } from './closing-pool';
import { sleep } from './wait-for';

/**
 * Producers that keep inserting for a round of users until stopped, riding out database
 * outages: a failed INSERT is retried after a pause. Whether an INSERT cut off mid-commit
 * landed is unknowable to it, which is why tests compare clients with the database, never
 * with what was attempted.
 */
export class ContinuousProducer {
  attempts = 0;
  failures = 0;
  private stopped = false;
  private readonly pool: Pool;
  private readonly running: Promise<void>;

  constructor(
    databaseUrl: string,
    private readonly users: readonly string[],
    private readonly pauseMs = 5,
  ) {
    this.pool = testPool(databaseUrl, 2);
    this.running = this.run();
  }

  /** Stops producing and waits for the last INSERT to settle. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    await this.pool.end();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const user = this.users[this.attempts++ % this.users.length];
      await this.pool
        .query('INSERT INTO notification_outbox (user_id, payload) VALUES ($1, $2::jsonb)', [
          user,
          JSON.stringify({ attempt: this.attempts }),
        ])
        .catch(() => this.failures++);
      await sleep(this.pauseMs);
    }
  }
}
