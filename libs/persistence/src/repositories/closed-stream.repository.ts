import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Users whose stream is closed for good; each change NOTIFYs `CHANNELS.closedStreams`. */
@Injectable()
export class ClosedStreamRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async listUserIds(): Promise<string[]> {
    const rows = await this.db.query<{ userId: string }[]>(
      `SELECT user_id AS "userId" FROM closed_streams`,
    );
    return rows.map((row) => row.userId);
  }

  async close(userId: string, reason: string | null): Promise<void> {
    await this.db.query(
      `INSERT INTO closed_streams (user_id, reason) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason, closed_at = now()`,
      [userId, reason],
    );
  }

  /** Returns whether the stream was closed. */
  async reopen(userId: string): Promise<boolean> {
    const [, deleted] = await this.db.query<[unknown, number]>(
      `DELETE FROM closed_streams WHERE user_id = $1`,
      [userId],
    );
    return deleted > 0;
  }
}
