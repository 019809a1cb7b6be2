import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { translatingDatabaseErrors } from '../database-errors';

export interface OutboxBacklog {
  count: number;
  oldestCreatedAt: Date | null;
  /** How long the oldest row has waited, by the database's clock (the producers' too); 0 when empty. */
  oldestAgeSeconds: number;
}

/**
 * The API validates userId and type before they get here: of what Postgres refuses, only what
 * is wrong with the free-form payload (\u0000 in a string, say) is about a field of its own.
 */
const ENQUEUE_FIELDS = { value: 'payload' };

/** The producers' side of the data path: rows waiting for the ingester. */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * `payload` is JSON text, parsed by Postgres alone so that its numbers stay exact. A row the
   * outbox's rules refuse fails as InvalidValueError (see database-errors).
   */
  async enqueue(userId: string, type: string, payload: string): Promise<void> {
    await translatingDatabaseErrors(ENQUEUE_FIELDS, () =>
      this.db.query(
        `INSERT INTO notification_outbox (user_id, type, payload) VALUES ($1, $2, $3::jsonb)`,
        [userId, type, payload],
      ),
    );
  }

  async backlog(): Promise<OutboxBacklog> {
    const [row] = await this.db.query<OutboxBacklog[]>(
      `SELECT count(*)::int AS count, min(created_at) AS "oldestCreatedAt",
         -- A producer may set created_at ahead of the clock: an age is never negative.
         greatest(coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0), 0)::float8
           AS "oldestAgeSeconds"
       FROM notification_outbox`,
    );
    return row;
  }
}
