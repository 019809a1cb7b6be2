import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Notifications marked read: one by one (`ids`) or all up to an id (`upTo`). */
export interface ReadStateChange {
  id: string;
  userId: string;
  ids: string[] | null;
  upTo: string | null;
}

/**
 * `read_state_changes`, written by NotificationRepository's read marking and read by every
 * instance after a wake-up, so that read state reaches the user's tabs on every instance.
 */
@Injectable()
export class ReadStateChangeRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async latestId(): Promise<bigint> {
    const [row] = await this.db.query<{ id: string }[]>(
      `SELECT coalesce(max(id), 0)::text AS id FROM read_state_changes`,
    );
    return BigInt(row.id);
  }

  after(afterId: bigint, limit: number): Promise<ReadStateChange[]> {
    return this.db.query(
      `SELECT id::text AS id, user_id AS "userId", ids::text[] AS ids, up_to::text AS "upTo"
       FROM read_state_changes WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId.toString(), limit],
    );
  }

  /** Changes are only needed while instances catch up on them: minutes, not days. */
  async deleteOlderThan(changedBefore: Date): Promise<number> {
    const [, deleted] = await this.db.query<[unknown, number]>(
      `DELETE FROM read_state_changes WHERE changed_at < $1`,
      [changedBefore],
    );
    return deleted;
  }
}
