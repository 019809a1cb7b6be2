import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A log row as the stream sends it: text columns only, formatted once by Postgres. */
export interface LogRow {
  id: string;
  userId: string;
  type: string;
  /** The jsonb payload as JSON text, never parsed on the live path. */
  payload: string;
  createdAt: string;
  readAt: string | null;
}

export interface AppendResult {
  count: number;
  lastId: string | null;
}

/** Taken by every drain transaction, so two drains can never interleave their ids. */
const DRAIN_LOCK = [0x6e6f7466, 2] as const;

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const LOG_ROW = `id::text AS id, user_id AS "userId", type, payload::text AS payload,
  ${iso('created_at')} AS "createdAt", ${iso('read_at')} AS "readAt"`;

/** The notifications log: the only place that knows its SQL. */
@Injectable()
export class NotificationRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Moves the oldest outbox rows into the log in one transaction under a transaction-level
   * advisory lock, so ids are handed out in commit order and a reader resuming with
   * `id > n` never skips a row that commits later.
   */
  appendFromOutbox(limit: number): Promise<AppendResult> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [...DRAIN_LOCK]);
      const [result] = await tx.query<AppendResult[]>(
        `WITH moved AS (
           DELETE FROM notification_outbox
           WHERE id IN (SELECT id FROM notification_outbox ORDER BY id LIMIT $1)
           RETURNING id, user_id, type, payload, created_at
         ), appended AS (
           INSERT INTO notifications (id, user_id, type, payload, created_at)
           SELECT nextval('notifications_id_seq'), user_id, type, payload, created_at
           FROM (SELECT * FROM moved ORDER BY id) AS in_producer_order
           RETURNING id
         )
         SELECT count(*)::int AS count, max(id)::text AS "lastId" FROM appended`,
        [limit],
      );
      return result;
    });
  }

  /** The next rows of the whole log, for the live path: one query per batch per instance. */
  findAfter(afterId: bigint, limit: number): Promise<LogRow[]> {
    return this.db.query(
      `SELECT ${LOG_ROW} FROM notifications WHERE id > $1 ORDER BY notifications.id LIMIT $2`,
      [afterId.toString(), limit],
    );
  }

  /** One user's rows after a resume point, for replay. */
  findForUserAfter(userId: string, afterId: bigint, limit: number): Promise<LogRow[]> {
    return this.db.query(
      `SELECT ${LOG_ROW} FROM notifications WHERE user_id = $1 AND id > $2 ORDER BY notifications.id LIMIT $3`,
      [userId, afterId.toString(), limit],
    );
  }

  async latestId(): Promise<bigint> {
    const [row] = await this.db.query<{ id: string }[]>(
      `SELECT coalesce(max(id), 0)::text AS id FROM notifications`,
    );
    return BigInt(row.id);
  }
}
