import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { lockKeys } from '../postgres-objects';

/** One notification to push to one subscription, claimed (state `sending`) and committed. */
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

/**
 * What was pushed (`push_deliveries`, one row per notification and subscription) and how far
 * the log was looked through for it (`push_scan`): the push worker's bookkeeping.
 *
 * A claim is committed (state `sending`) before its push leaves, so a pair is sent at most once
 * even when the sender dies mid-way: a claim nobody answered within its lease is marked failed,
 * not sent again. Answers that say the push did not arrive (429, 5xx, network errors) are
 * scheduled for another try.
 */
@Injectable()
export class PushDeliveryRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Claims what is due, retries first, in one transaction under the claim lock. */
  claimDue(settings: ClaimSettings): Promise<ClaimResult> {
    return this.db.transaction(async (db) => {
      await db.query(`SELECT pg_advisory_xact_lock($1, $2)`, [...lockKeys('pushClaim')]);
      await this.expireUnanswered(db);
      await this.dropOverdue(db);
      const retries = await this.claimRetries(db, settings);
      const scanned = await this.claimNew(db, {
        ...settings,
        limit: Math.max(settings.limit - retries.length, 1),
      });
      return {
        claims: [...retries, ...scanned.claims],
        nextDueAt: scanned.nextDueAt,
        more: scanned.more || retries.length === settings.limit,
      };
    });
  }

  async markSent(claim: PushClaim): Promise<void> {
    await this.settle(claim, 'sent', null, null);
  }

  async scheduleRetry(claim: PushClaim, at: Date, error: string): Promise<void> {
    await this.settle(claim, 'retry', at, error);
  }

  async markFailed(claim: PushClaim, error: string): Promise<void> {
    await this.settle(claim, 'failed', null, error);
  }

  /** Only a claim still `sending` is settled: one that expired meanwhile stays failed. */
  private async settle(
    claim: PushClaim,
    state: 'sent' | 'retry' | 'failed',
    nextAttemptAt: Date | null,
    error: string | null,
  ): Promise<void> {
    await this.db.query(
      `UPDATE push_deliveries
       SET state = $3, next_attempt_at = coalesce($4, next_attempt_at), last_error = left($5, 500)
       WHERE notification_id = $1 AND subscription_id = $2 AND state = 'sending' AND attempts = $6`,
      [claim.notificationId, claim.subscriptionId, state, nextAttemptAt, error, claim.attempts],
    );
  }

  private async expireUnanswered(db: EntityManager): Promise<void> {
    await db.query(
      `UPDATE push_deliveries
       SET state = 'failed', last_error = 'unanswered: the sender stopped while sending'
       WHERE state = 'sending' AND next_attempt_at <= now()`,
    );
  }

  /** A retry is pointless once a stream was sent the notification or the user read it. */
  private async dropOverdue(db: EntityManager): Promise<void> {
    await db.query(
      `UPDATE push_deliveries SET state = 'failed',
         last_error = CASE WHEN n.read_at IS NOT NULL THEN 'read before the next try'
                           ELSE 'delivered to a stream before the next try' END
       FROM notifications n
       WHERE push_deliveries.state = 'retry' AND n.id = push_deliveries.notification_id
         AND (n.read_at IS NOT NULL OR n.delivered_at IS NOT NULL)`,
    );
  }

  private claimRetries(db: EntityManager, { leaseMs, limit }: ClaimSettings): Promise<PushClaim[]> {
    return db.query(
      `WITH due AS (
         SELECT notification_id, subscription_id FROM push_deliveries
         WHERE state = 'retry' AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $2
       ), d AS (
         UPDATE push_deliveries SET state = 'sending', attempts = attempts + 1,
           next_attempt_at = now() + make_interval(secs => $1 / 1000.0)
         FROM due
         WHERE push_deliveries.notification_id = due.notification_id
           AND push_deliveries.subscription_id = due.subscription_id
         RETURNING push_deliveries.*
       )
       SELECT ${CLAIM_COLUMNS} FROM d
       JOIN push_subscriptions s ON s.id = d.subscription_id
       JOIN notifications n ON n.id = d.notification_id`,
      [leaseMs, limit],
    );
  }

  /**
   * Looks through the log from where the last scan stopped, up to the first row that is not
   * due yet (so the scan never passes a row before its time), and claims every due row that no
   * stream was sent and nobody read, once for each subscription of its user.
   */
  private async claimNew(
    db: EntityManager,
    { delayMs, maxAgeMs, leaseMs, limit }: ClaimSettings,
  ): Promise<ClaimResult> {
    const [row] = await db.query<{ result: ClaimResult }[]>(
      `WITH page AS (
         SELECT id, user_id, stored_at, delivered_at, read_at FROM notifications
         WHERE id > (SELECT scanned_up_to FROM push_scan) ORDER BY id LIMIT $4
       ), waiting AS (
         SELECT min(id) AS id, min(stored_at) AS stored_at FROM page
         WHERE stored_at > now() - make_interval(secs => $1 / 1000.0)
       ), due AS (
         SELECT * FROM page WHERE id < coalesce((SELECT id FROM waiting), 9223372036854775807)
       ), scanned AS (
         UPDATE push_scan SET scanned_up_to = (SELECT max(id) FROM due)
         WHERE EXISTS (SELECT 1 FROM due) RETURNING scanned_up_to
       ), d AS (
         INSERT INTO push_deliveries (notification_id, subscription_id, state, next_attempt_at)
         SELECT due.id, s.id, 'sending', now() + make_interval(secs => $3 / 1000.0)
         FROM due JOIN push_subscriptions s ON s.user_id = due.user_id
         WHERE due.delivered_at IS NULL AND due.read_at IS NULL
           AND due.stored_at > now() - make_interval(secs => $2 / 1000.0)
         ON CONFLICT DO NOTHING
         RETURNING *
       )
       SELECT json_build_object(
         'claims', coalesce((
           SELECT json_agg(claim) FROM (
             SELECT ${CLAIM_COLUMNS} FROM d
             JOIN push_subscriptions s ON s.id = d.subscription_id
             JOIN due n ON n.id = d.notification_id
           ) AS claim
         ), '[]'),
         'nextDueAt', (SELECT stored_at + make_interval(secs => $1 / 1000.0) FROM waiting),
         'more', (SELECT count(*) FROM due) = $4 AND EXISTS (SELECT 1 FROM scanned)
       ) AS result`,
      [delayMs, maxAgeMs, leaseMs, limit],
    );
    return row.result;
  }
}
