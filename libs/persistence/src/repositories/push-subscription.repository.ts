import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface NewPushSubscription {
  userId: string;
  endpoint: string;
  /** base64url, unpadded: the browser's P-256 public key (65 bytes). */
  p256dh: string;
  /** base64url, unpadded: 16 bytes. */
  auth: string;
}

export interface PushSubscriptionRow {
  id: string;
  endpoint: string;
  createdAt: string;
}

/** The browsers' Web Push subscriptions (`push_subscriptions`): the only place with its SQL. */
@Injectable()
export class PushSubscriptionRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Saves a subscription, idempotent per endpoint, keeping the user's `limit` newest (the oldest
   * go). An endpoint is one browser profile: saved by another user, it moves to that user, with
   * nothing of the previous owner's left to push to it.
   */
  async save(subscription: NewPushSubscription, limit: number): Promise<void> {
    const { userId, endpoint, p256dh, auth } = subscription;
    await this.db.transaction(async (db) => {
      // Per user, so that concurrent saves cannot leave more than `limit` subscriptions.
      await db.query(`SELECT pg_advisory_xact_lock(hashtext('push_subscriptions:' || $1))`, [
        userId,
      ]);
      await db.query(`DELETE FROM push_subscriptions WHERE endpoint = $1 AND user_id <> $2`, [
        endpoint,
        userId,
      ]);
      await db.query(
        `INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth) VALUES ($1, $2, $3, $4)
         ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth`,
        [endpoint, userId, p256dh, auth],
      );
      await db.query(
        `DELETE FROM push_subscriptions WHERE id IN (
           SELECT id FROM push_subscriptions WHERE user_id = $1
           ORDER BY created_at DESC, id DESC OFFSET $2
         )`,
        [userId, limit],
      );
    });
  }

  /** Returns whether the user had that subscription. */
  async remove(userId: string, endpoint: string): Promise<boolean> {
    const [, deleted] = await this.db.query<[unknown, number]>(
      `DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2`,
      [userId, endpoint],
    );
    return deleted > 0;
  }

  /** The push service said the subscription is gone (404/410): what was due to it goes too. */
  async removeById(id: bigint): Promise<void> {
    await this.db.query(`DELETE FROM push_subscriptions WHERE id = $1`, [id.toString()]);
  }

  /** A user's subscriptions, newest first, without their keys. */
  listForUser(userId: string): Promise<PushSubscriptionRow[]> {
    return this.db.query(
      `SELECT id::text AS id, endpoint,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"
       FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, id DESC`,
      [userId],
    );
  }
}
