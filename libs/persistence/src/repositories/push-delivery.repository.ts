import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { lockKeys } from '../postgres-objects';

/**
 * One notification to push to one subscription, claimed (state `sending`) and committed. The
 * claims of one subscription in one round go as one push.
 */
export interface PushClaim {
  notificationId: string;
  subscriptionId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  /** 1 for the first try. */
  attempts: number;
  /** When the first try was claimed: retries stop an hour after it. */
  firstClaimedAt: string;
  /** When the ingester appended the notification. */
  storedAt: string;
}

export interface ClaimSettings {
  /** Notifications appended at least this long ago, undelivered and unread, are due. */
  delayMs: number;
  /** Rows older than this when first seen are not pushed any more. */
  maxAgeMs: number;
  /** How long a claim may stay unanswered; past it, the claim counts as failed, never resent. */
  leaseMs: number;
  /** Log rows of subscribed users looked at, and subscriptions retried, per claim. */
  limit: number;
}

export interface ClaimResult {
  claims: PushClaim[];
  /** When the oldest log row not yet due becomes due; null when none waits. */
  nextDueAt: string | null;
  /** The scan stopped at its page limit with everything due: more may be due right now. */
  more: boolean;
}

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const CLAIM_COLUMNS = `d.notification_id::text AS "notificationId", d.subscription_id::text AS "subscriptionId",
  s.endpoint, s.p256dh, s.auth, d.attempts,
  ${iso('d.created_at')} AS "firstClaimedAt", ${iso('n.stored_at')} AS "storedAt"`;

const NOTHING_DUE: ClaimResult = { claims: [], nextDueAt: null, more: false };

/** Whether the user of log row `n` muted its type for push (user_preferences, DESIGN §3). */
const MUTED = (n: string) => `EXISTS (
  SELECT 1 FROM user_preferences p
  CROSS JOIN jsonb_array_elements_text(p.preferences->'push'->'mutedTypes') AS muted (pattern)
  WHERE p.user_id = ${n}.user_id
    AND (${n}.type = muted.pattern
         OR (right(muted.pattern, 1) = '*' AND starts_with(${n}.type, left(muted.pattern, -1)))))`;

/** Log row `n` still wants a push: no stream was sent it, nobody read it, its type is not muted. */
const UNSEEN = (n: string) =>
  `${n}.delivered_at IS NULL AND ${n}.read_at IS NULL AND NOT ${MUTED(n)}`;

/** The same, and young enough (`$2`: the claim's maxAgeMs) to be pushed at all. */
const PUSHABLE = (n: string) =>
  `${UNSEEN(n)} AND ${n}.stored_at > now() - make_interval(secs => $2 / 1000.0)`;

/**
 * What was pushed (`push_deliveries`, one row per notification and subscription) and how far
 * the log was looked through for it (`push_scan`): the push worker's bookkeeping.
 *
 * A claim is committed (state `sending`) before its push leaves, so a pair is sent at most once
 * even when the sender dies mid-way: a claim nobody answered within its lease is marked failed,
 * not sent again. Answers that say the push did not arrive (429, 5xx, network errors) are
 * scheduled for another try.
 *
 * One push stands for a burst: the claims of one subscription in one round go as one push,
 * and a subscription's rows waiting for a retry go together (new ones join them), so each row
 * still records its own notification as pushed once.
 */
@Injectable()
export class PushDeliveryRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Claims what is due, retries first, in one transaction under the claim lock. While nobody
   * has a subscription and no push is outstanding, that is one read of two indexes, no more.
   */
  async claimDue(settings: ClaimSettings): Promise<ClaimResult> {
    const { subscribed, outstanding } = await this.work();
    if (!subscribed && !outstanding) return NOTHING_DUE;
    return this.db.transaction(async (db) => {
      await db.query(`SELECT pg_advisory_xact_lock($1, $2)`, [...lockKeys('pushClaim')]);
      const retries = outstanding ? await this.claimRetries(db, settings) : [];
      const scanned = subscribed ? await this.claimNew(db, settings) : NOTHING_DUE;
      const retried = new Set(retries.map((claim) => claim.subscriptionId)).size;
      return {
        claims: [...retries, ...scanned.claims],
        nextDueAt: scanned.nextDueAt,
        more: scanned.more || retried === settings.limit,
      };
    });
  }

  async markSent(claims: PushClaim[]): Promise<void> {
    await this.settle(claims, 'sent', null, null);
  }

  async scheduleRetry(claims: PushClaim[], at: Date, error: string): Promise<void> {
    await this.settle(claims, 'retry', at, error);
  }

  async markFailed(claims: PushClaim[], error: string): Promise<void> {
    await this.settle(claims, 'failed', null, error);
  }

  /** Only a claim still `sending` is settled: one that expired meanwhile stays failed. */
  private async settle(
    claims: PushClaim[],
    state: 'sent' | 'retry' | 'failed',
    nextAttemptAt: Date | null,
    error: string | null,
  ): Promise<void> {
    await this.db.query(
      `UPDATE push_deliveries
       SET state = $4, next_attempt_at = coalesce($5, next_attempt_at), last_error = left($6, 500)
       FROM unnest($1::bigint[], $2::bigint[], $3::integer[]) AS claim (notification_id, subscription_id, attempts)
       WHERE push_deliveries.notification_id = claim.notification_id
         AND push_deliveries.subscription_id = claim.subscription_id
         AND push_deliveries.attempts = claim.attempts AND push_deliveries.state = 'sending'`,
      [
        claims.map((claim) => claim.notificationId),
        claims.map((claim) => claim.subscriptionId),
        claims.map((claim) => claim.attempts),
        state,
        nextAttemptAt,
        error,
      ],
    );
  }

  /** Whether anyone has a subscription, and whether a claim or a retry is outstanding. */
  private async work(): Promise<{ subscribed: boolean; outstanding: boolean }> {
    const [row] = await this.db.query<{ subscribed: boolean; outstanding: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM push_subscriptions) AS subscribed,
         EXISTS (SELECT 1 FROM push_deliveries WHERE state IN ('sending', 'retry')) AS outstanding`,
    );
    return row;
  }

  /** Expires unanswered claims, drops retries nobody needs any more, then claims due retries. */
  private async claimRetries(db: EntityManager, settings: ClaimSettings): Promise<PushClaim[]> {
    await this.expireUnanswered(db);
    await this.dropOverdue(db);
    return this.claimDueRetries(db, settings);
  }

  private async expireUnanswered(db: EntityManager): Promise<void> {
    await db.query(
      `UPDATE push_deliveries
       SET state = 'failed', last_error = 'unanswered: the sender stopped while sending'
       WHERE state = 'sending' AND next_attempt_at <= now()`,
    );
  }

  /** A retry is pointless once a stream was sent the notification, the user read it or muted its type. */
  private async dropOverdue(db: EntityManager): Promise<void> {
    await db.query(
      `UPDATE push_deliveries SET state = 'failed',
         last_error = CASE WHEN n.read_at IS NOT NULL THEN 'read before the next try'
                           WHEN n.delivered_at IS NOT NULL THEN 'delivered to a stream before the next try'
                           ELSE 'muted before the next try' END
       FROM notifications n
       WHERE push_deliveries.state = 'retry' AND n.id = push_deliveries.notification_id
         AND NOT (${UNSEEN('n')})`,
    );
  }

  /** Every waiting row of each subscription (at most `limit`) whose next try is due: one push each. */
  private claimDueRetries(
    db: EntityManager,
    { leaseMs, limit }: ClaimSettings,
  ): Promise<PushClaim[]> {
    return db.query(
      `WITH due AS (
         SELECT subscription_id FROM push_deliveries WHERE state = 'retry'
         GROUP BY subscription_id HAVING min(next_attempt_at) <= now()
         ORDER BY min(next_attempt_at) LIMIT $2
       ), d AS (
         UPDATE push_deliveries SET state = 'sending', attempts = attempts + 1,
           next_attempt_at = now() + make_interval(secs => $1 / 1000.0)
         WHERE state = 'retry' AND subscription_id IN (SELECT subscription_id FROM due)
         RETURNING push_deliveries.*
       )
       SELECT ${CLAIM_COLUMNS} FROM d
       JOIN push_subscriptions s ON s.id = d.subscription_id
       JOIN notifications n ON n.id = d.notification_id`,
      [leaseMs, limit],
    );
  }

  /**
   * Looks through the log's rows of subscribed users (nobody else's can be due) from where the
   * last scan stopped, up to the first that could still be pushed but is not due yet, so the
   * scan never passes a row before its time. A due row that no stream was sent and nobody
   * read opens its user's burst: the user's notifications appended within PUSH_DELAY_MS of it
   * are claimed with it, once for each subscription the user had when it was appended; they
   * go as one push. A subscription whose earlier push waits for a retry takes them into that
   * retry instead. With no row waiting, the scan moves on to the end of the log.
   */
  private async claimNew(
    db: EntityManager,
    { delayMs, maxAgeMs, leaseMs, limit }: ClaimSettings,
  ): Promise<ClaimResult> {
    const [row] = await db.query<{ result: ClaimResult }[]>(
      `WITH candidates AS (
         SELECT id, user_id, type, stored_at, delivered_at, read_at FROM notifications n
         WHERE id > (SELECT scanned_up_to FROM push_scan)
           AND EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.user_id = n.user_id)
         ORDER BY id LIMIT $4
       ), waiting AS (
         SELECT id, stored_at FROM candidates c
         WHERE stored_at > now() - make_interval(secs => $1 / 1000.0)
           AND delivered_at IS NULL AND read_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM push_deliveries d WHERE d.notification_id = c.id)
         ORDER BY id LIMIT 1
       ), due AS (
         SELECT * FROM candidates WHERE id < coalesce((SELECT id FROM waiting), 9223372036854775807)
       ), opening AS (
         SELECT * FROM due c
         WHERE stored_at <= now() - make_interval(secs => $1 / 1000.0) AND ${PUSHABLE('c')}
           AND NOT EXISTS (SELECT 1 FROM push_deliveries d WHERE d.notification_id = c.id)
       ), burst AS (
         SELECT user_id, min(stored_at) AS opened_at, max(id) AS after FROM opening GROUP BY user_id
       ), later AS (
         SELECT n.id, n.user_id, n.type, n.stored_at, n.delivered_at, n.read_at
         FROM burst CROSS JOIN LATERAL (
           SELECT * FROM notifications n
           WHERE n.user_id = burst.user_id AND n.id > burst.after
             AND n.stored_at <= burst.opened_at + make_interval(secs => $1 / 1000.0)
         ) AS n
         WHERE ${PUSHABLE('n')}
       ), claimable AS (
         SELECT * FROM opening UNION ALL SELECT * FROM later
       ), scanned AS (
         UPDATE push_scan SET scanned_up_to = next.id
         FROM (SELECT CASE
                 WHEN EXISTS (SELECT 1 FROM waiting) THEN (SELECT id - 1 FROM waiting)
                 WHEN (SELECT count(*) FROM candidates) = $4 THEN (SELECT max(id) FROM candidates)
                 ELSE (SELECT max(id) FROM notifications)
               END AS id) AS next
         WHERE next.id > push_scan.scanned_up_to
       ), d AS (
         INSERT INTO push_deliveries (notification_id, subscription_id, state, attempts, next_attempt_at)
         SELECT c.id, s.id,
           CASE WHEN pending.at IS NULL THEN 'sending' ELSE 'retry' END,
           CASE WHEN pending.at IS NULL THEN 1 ELSE 0 END,
           coalesce(pending.at, now() + make_interval(secs => $3 / 1000.0))
         FROM claimable c
         JOIN push_subscriptions s ON s.user_id = c.user_id AND s.created_at <= c.stored_at
         CROSS JOIN LATERAL (
           SELECT min(next_attempt_at) AS at FROM push_deliveries r
           WHERE r.subscription_id = s.id AND r.state = 'retry'
         ) AS pending
         ON CONFLICT DO NOTHING
         RETURNING *
       )
       SELECT json_build_object(
         'claims', coalesce((
           SELECT json_agg(claim) FROM (
             SELECT ${CLAIM_COLUMNS} FROM d
             JOIN push_subscriptions s ON s.id = d.subscription_id
             JOIN claimable n ON n.id = d.notification_id
             WHERE d.state = 'sending'
           ) AS claim
         ), '[]'),
         'nextDueAt', (SELECT stored_at + make_interval(secs => $1 / 1000.0) FROM waiting),
         'more', (SELECT count(*) FROM due) = $4
       ) AS result`,
      [delayMs, maxAgeMs, leaseMs, limit],
    );
    return row.result;
  }
}
