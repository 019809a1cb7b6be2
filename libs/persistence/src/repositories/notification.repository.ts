import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PreparedStatement } from '../prepared-statement';

/**
 * A log row as every client is sent it (stream, push, inbox, admin): text columns only,
 * formatted once by Postgres. The only shape in which the log's rows are read.
 */
export interface LogRow {
  id: string;
  userId: string;
  type: string;
  /** The jsonb payload as JSON text, never parsed on the live path. */
  payload: string;
  createdAt: string;
  readAt: string | null;
  /** The producer's W3C trace context, for the delivery span (the log's queries always fill it). */
  traceparent?: string | null;
  /** When a stream was first sent it, null until then. */
  deliveredAt: string | null;
}

/** What admins also see of a row. */
export interface AdminLogRow extends LogRow {
  /** When the ingester appended it to the log. */
  storedAt: string;
}

/** A page is cut at whichever comes first; it always holds at least one row when one is due. */
export interface PageLimits {
  rows: number;
  /** Payload bytes: the row that crosses the limit is the page's last. */
  bytes: number;
}

export interface LogPage {
  rows: LogRow[];
  /** False when the page was cut by a limit: more rows may follow at once. */
  complete: boolean;
}

export interface ReplayPage extends LogPage {
  /** Retention deleted rows of this user up to here (0: none). */
  deletedUpTo: bigint;
  /** The highest id the log has held: a resume point above it is not from this log. */
  newestId: bigint;
}

type SizedRow = LogRow & { bytesThrough: string };

/** A stream's request for the next page of its user's log. */
export interface ReplayRequest {
  userId: string;
  afterId: bigint;
}

/**
 * The next rows after `after` (at most $2), cut after the row whose payload bytes, with those
 * before it, reach $3: one pass over the index, with sizes from the stored `payload_bytes`, and
 * only the rows kept are formatted (the outer select), so no row is serialized just to be measured.
 */
const sizedPage = (after: string, filter = '') => `
  SELECT ${LOG_ROW}, bytes_through AS "bytesThrough"
  FROM (
    SELECT *, sum(payload_bytes) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) AS bytes_through
    FROM (SELECT * FROM notifications WHERE id > ${after} ${filter} ORDER BY id LIMIT $2) AS next
  ) AS notifications
  WHERE bytes_through - payload_bytes < $3
  ORDER BY notifications.id`;

/**
 * Complete when fewer rows than the row limit were due and the bytes stayed under theirs: a
 * page cut exactly at its last row reads as incomplete, which costs one more (empty) read.
 */
function isComplete(rows: SizedRow[], limits: PageLimits): boolean {
  if (rows.length === 0) return true;
  return rows.length < limits.rows && Number(rows[rows.length - 1].bytesThrough) < limits.bytes;
}

function toLogRow(row: LogRow): LogRow {
  const { id, userId, type, payload, createdAt, readAt, deliveredAt, traceparent } = row;
  return { id, userId, type, payload, createdAt, readAt, deliveredAt, traceparent };
}

/**
 * What one drain appended. Every id after `previousId` up to `newest` is among `rows` or was
 * never committed, so a reader whose cursor is `previousId` may move to `newest` unread.
 */
export interface AppendedBatch {
  previousId: bigint;
  newest: bigint;
  /** Outbox rows taken, whether appended or dropped. */
  taken: number;
  /** The batch was full or cut by its bytes: more rows may wait. */
  more: boolean;
  rows: LogRow[];
  /** For each appended row, seconds from its producer's INSERT to the append. */
  lagSeconds: number[];
}

type DrainRow = LogRow & {
  previousId: string;
  newest: string;
  taken: number;
  more: boolean;
  lagSeconds: number | null;
};

export interface InboxQuery {
  before?: bigint;
  unreadOnly: boolean;
  limit: number;
}

export interface LogQuery {
  userId?: string;
  type?: string;
  after?: bigint;
  limit: number;
}

export type MarkReadResult = 'marked' | 'already-read' | 'not-found';

const DEADLOCK_DETECTED = '40P01';

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const LOG_ROW = `notifications.id::text AS id, user_id AS "userId", type, payload::text AS payload,
  ${iso('created_at')} AS "createdAt", ${iso('read_at')} AS "readAt", traceparent,
  ${iso('delivered_at')} AS "deliveredAt"`;

const ADMIN_LOG_ROW = `${LOG_ROW}, ${iso('stored_at')} AS "storedAt"`;

const DRAIN = new PreparedStatement<DrainRow>(
  'notifier_drain_outbox',
  `SELECT previous_id::text AS "previousId", newest::text AS newest, taken, more,
     id::text AS id, user_id AS "userId", type, payload::text AS payload,
     ${iso('created_at')} AS "createdAt", traceparent, NULL AS "readAt", NULL AS "deliveredAt",
     extract(epoch FROM clock_timestamp() - created_at)::float8 AS "lagSeconds"
   FROM notifier_drain_outbox($1, $2)`,
);

const LIVE_PAGE = new PreparedStatement<SizedRow>('notifier_live_page', sizedPage('$1'));

/**
 * Read in the same statement as the page, so in one snapshot: the highest id of this user's
 * that retention deleted (written in the same statement as its delete, so either the rows or
 * the record are visible), and the newest id the log ever held (its last row, or what
 * retention deleted when it deleted everything). A client holds no id that was not in the log
 * when it got it, so a resume point above the newest id is from another database's history.
 */
const REPLAY_PAGES = new PreparedStatement<
  SizedRow & { wanted: string; deletedUpTo: string; newestId: string }
>(
  'notifier_replay_pages',
  `SELECT wanted.ord::text AS wanted, coalesce(watermark.deleted_up_to, 0)::text AS "deletedUpTo",
     head."newestId", sent.*
   FROM (
     SELECT greatest(
       (SELECT max(id) FROM notifications),
       (SELECT max(deleted_up_to) FROM retention_watermark),
       0
     )::text AS "newestId"
   ) AS head
   CROSS JOIN unnest($1::text[], $4::bigint[]) WITH ORDINALITY AS wanted (user_id, after_id, ord)
   LEFT JOIN retention_user_watermarks AS watermark ON watermark.user_id = wanted.user_id
   LEFT JOIN LATERAL (${sizedPage('wanted.after_id', 'AND user_id = wanted.user_id')}) AS sent ON true
   ORDER BY wanted.ord, sent.id::bigint`,
);

/**
 * The index scan of `id = ANY(…)` visits, and so locks, rows in id order: instances recording
 * overlapping batches at once wait for each other. An UPDATE of a non-key column takes NO KEY
 * UPDATE locks, so that foreign keys to the row (push_deliveries) never make a receipt wait.
 */
const MARK_DELIVERED = new PreparedStatement(
  'notifier_mark_delivered',
  `UPDATE notifications SET delivered_at = now()
   WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL`,
);

/** The notifications log: the only place that knows its SQL. */
@Injectable()
export class NotificationRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Moves the oldest outbox rows into the log, in one transaction under a transaction-level
   * advisory lock (see the `notifier_drain_outbox` migrations), so ids follow commit order,
   * and returns the rows appended: at most `limits.rows`, cut after the payload that reaches
   * `limits.bytes`.
   */
  async appendFromOutbox(limits: PageLimits): Promise<AppendedBatch> {
    const result = await DRAIN.rows(this.db, [limits.rows, limits.bytes]);
    const appended = result.filter((row) => row.id !== null);
    return {
      previousId: BigInt(result[0].previousId),
      newest: BigInt(result[0].newest),
      taken: result[0].taken,
      more: result[0].more,
      rows: appended.map(toLogRow),
      lagSeconds: appended.map((row) => row.lagSeconds!),
    };
  }

  /** The next rows of the whole log, for the live path: one query per batch per instance. */
  async pageAfter(afterId: bigint, limits: PageLimits): Promise<LogPage> {
    const rows = await LIVE_PAGE.rows(this.db, [afterId.toString(), limits.rows, limits.bytes]);
    return { rows: rows.map(toLogRow), complete: isComplete(rows, limits) };
  }

  /**
   * For each request, one page of its user's rows after its resume point, with that user's
   * retention watermark and the log's newest id: one statement for every stream resuming at
   * once (a reconnect storm), in the order asked.
   */
  async replayPages(wanted: readonly ReplayRequest[], limits: PageLimits): Promise<ReplayPage[]> {
    const rows = await REPLAY_PAGES.rows(this.db, [
      wanted.map((request) => request.userId),
      limits.rows,
      limits.bytes,
      wanted.map((request) => request.afterId.toString()),
    ]);
    const byRequest = wanted.map(() => [] as typeof rows);
    for (const row of rows) byRequest[Number(row.wanted) - 1].push(row);
    return byRequest.map((answer) => {
      const page = answer.filter((row) => row.id !== null);
      return {
        deletedUpTo: BigInt(answer[0].deletedUpTo),
        newestId: BigInt(answer[0].newestId),
        rows: page.map(toLogRow),
        complete: isComplete(page, limits),
      };
    });
  }

  /**
   * Delivery receipts for a batch, in one statement. Should two instances still deadlock
   * (a plan other than the index scan), Postgres cancels one, which then tries once more.
   */
  async markDelivered(ids: readonly bigint[]): Promise<number> {
    const values = [ids.map(String)];
    try {
      return await MARK_DELIVERED.rowCount(this.db, values);
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK_DETECTED) throw error;
      return MARK_DELIVERED.rowCount(this.db, values);
    }
  }

  /** Rows as the stream sends them, by id, in id order. */
  findLogRows(ids: readonly bigint[]): Promise<LogRow[]> {
    return this.db.query(
      `SELECT ${LOG_ROW} FROM notifications WHERE id = ANY($1::bigint[]) ORDER BY notifications.id`,
      [ids.map(String)],
    );
  }

  async latestId(): Promise<bigint> {
    const [row] = await this.db.query<{ id: string }[]>(
      `SELECT coalesce(max(id), 0)::text AS id FROM notifications`,
    );
    return BigInt(row.id);
  }

  /**
   * The highest id of the log's expired prefix among its oldest `limit` rows, stopping at the
   * first row stored at or after `storedBefore`, so retention only ever removes a prefix.
   */
  async lastExpiredId(storedBefore: Date, limit: number): Promise<bigint | undefined> {
    const [row] = await this.db.query<{ id: string | null }[]>(
      `WITH oldest AS (SELECT id, stored_at FROM notifications ORDER BY id LIMIT $1)
       SELECT max(id)::text AS id FROM oldest
       WHERE id < coalesce((SELECT min(id) FROM oldest WHERE stored_at >= $2), 9223372036854775807)`,
      [limit, storedBefore],
    );
    return row.id === null ? undefined : BigInt(row.id);
  }

  /**
   * Deletes the log up to and including an id, and records for each user whose rows went the
   * highest id deleted, in the same statement (see REPLAY_PAGES); returns how many rows went.
   * Users are recorded in one order, so concurrent runs lock their rows alike.
   */
  async deleteUpTo(id: bigint): Promise<number> {
    const [row] = await this.db.query<{ deleted: number }[]>(
      `WITH deleted AS (
         DELETE FROM notifications WHERE id <= $1 RETURNING user_id, id
       ), recorded AS (
         INSERT INTO retention_user_watermarks (user_id, deleted_up_to)
         SELECT user_id, max(id) FROM deleted GROUP BY user_id ORDER BY user_id
         ON CONFLICT (user_id) DO UPDATE SET deleted_up_to =
           greatest(retention_user_watermarks.deleted_up_to, excluded.deleted_up_to)
       )
       SELECT count(*)::int AS deleted FROM deleted`,
      [id.toString()],
    );
    return row.deleted;
  }

  /**
   * A user's inbox page, newest first; `read_at IS NULL` is written out for the partial index.
   * Ordered by `notifications.id`: a bare `id` would be the text column of LOG_ROW.
   */
  listForUser(userId: string, { before, unreadOnly, limit }: InboxQuery): Promise<LogRow[]> {
    return this.db.query(
      `SELECT ${LOG_ROW} FROM notifications
       WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2) ${unreadOnly ? 'AND read_at IS NULL' : ''}
       ORDER BY notifications.id DESC LIMIT $3`,
      [userId, before?.toString() ?? null, limit],
    );
  }

  async countUnread(userId: string): Promise<number> {
    const [row] = await this.db.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM notifications WHERE user_id = $1 AND read_at IS NULL`,
      [userId],
    );
    return row.count;
  }

  /** The whole log for admins, oldest first, with optional filters. */
  list({ userId, type, after = 0n, limit }: LogQuery): Promise<AdminLogRow[]> {
    return this.db.query(
      `SELECT ${ADMIN_LOG_ROW} FROM notifications
       WHERE id > $1 AND ($2::text IS NULL OR user_id = $2) AND ($3::text IS NULL OR type = $3)
       ORDER BY notifications.id LIMIT $4`,
      [after.toString(), userId ?? null, type ?? null, limit],
    );
  }

  async findById(id: bigint): Promise<AdminLogRow | undefined> {
    const [row] = await this.db.query<AdminLogRow[]>(
      `SELECT ${ADMIN_LOG_ROW} FROM notifications WHERE id = $1`,
      [id.toString()],
    );
    return row;
  }

  /** Marks one of the user's notifications read and records the change, in one statement. */
  async markRead(userId: string, id: bigint): Promise<MarkReadResult> {
    const [row] = await this.db.query<{ found: boolean; marked: boolean }[]>(
      `WITH target AS (
         SELECT id, read_at FROM notifications WHERE id = $1 AND user_id = $2 FOR UPDATE
       ), marked AS (
         UPDATE notifications SET read_at = now()
         FROM target WHERE notifications.id = target.id AND target.read_at IS NULL
         RETURNING notifications.id
       ), recorded AS (
         INSERT INTO read_state_changes (id, user_id, ids)
         SELECT notifier_next_read_state_change_id(), $2, array_agg(id) FROM marked HAVING count(*) > 0
         RETURNING id
       )
       SELECT EXISTS (SELECT 1 FROM target) AS found, EXISTS (SELECT 1 FROM recorded) AS marked`,
      [id.toString(), userId],
    );
    if (!row.found) return 'not-found';
    return row.marked ? 'marked' : 'already-read';
  }

  /** Marks every unread notification of the user read and records the highest id marked. */
  async markAllRead(userId: string): Promise<{ updated: number; upTo: string | null }> {
    const [row] = await this.db.query<{ updated: number; upTo: string | null }[]>(
      `WITH marked AS (
         UPDATE notifications SET read_at = now()
         WHERE user_id = $1 AND read_at IS NULL
         RETURNING id
       ), recorded AS (
         INSERT INTO read_state_changes (id, user_id, up_to)
         SELECT notifier_next_read_state_change_id(), $1, max(id) FROM marked HAVING count(*) > 0
         RETURNING up_to
       )
       SELECT (SELECT count(*)::int FROM marked) AS updated, (SELECT up_to::text FROM recorded) AS "upTo"`,
      [userId],
    );
    return { updated: row.updated, upTo: row.upTo };
  }
}
