import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface OutboxBacklog {
  count: number;
  oldestCreatedAt: Date | null;
}

/** The producers' side of the data path: rows waiting for the ingester. */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async enqueue(userId: string, type: string, payload: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO notification_outbox (user_id, type, payload) VALUES ($1, $2, $3::jsonb)`,
      [userId, type, JSON.stringify(payload)],
    );
  }

  async backlog(): Promise<OutboxBacklog> {
    const [row] = await this.db.query<OutboxBacklog[]>(
      `SELECT count(*)::int AS count, min(created_at) AS "oldestCreatedAt" FROM notification_outbox`,
    );
    return row;
  }
}
