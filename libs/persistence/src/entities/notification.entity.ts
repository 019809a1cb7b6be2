import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TRACEPARENT_PATTERN } from '../postgres-objects';

/** The log: written only by the ingester, so id order is commit order. */
@Entity({ name: 'notifications' })
@Check('notifications_traceparent_is_w3c_trace_context', `traceparent ~ '${TRACEPARENT_PATTERN}'`)
@Index('notifications_user_id_id', ['userId', 'id'])
@Index('notifications_unread_user_id_id', ['userId', 'id'], { where: 'read_at IS NULL' })
@Index('notifications_user_id_dedupe_key', ['userId', 'dedupeKey'], {
  unique: true,
  where: 'dedupe_key IS NOT NULL',
})
export class NotificationEntity {
  /** 64-bit, so pg hands it over as a decimal string. */
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'stored_at', type: 'timestamptz', default: () => 'now()' })
  storedAt!: Date;

  /** The payload's size as the stream sends it, for pages bounded in bytes (the drain sets it). */
  @Column({ name: 'payload_bytes', type: 'integer', insert: false, update: false })
  payloadBytes!: number;

  @Column({ name: 'read_at', type: 'timestamptz', nullable: true })
  readAt!: Date | null;

  /** Carried over from the outbox row: the producer's W3C trace context, if any. */
  @Column({ type: 'text', nullable: true })
  traceparent!: string | null;
  /** When a stream was first sent it; null until then. */
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  /** The producer's dedupe key, kept while the row is: a later row with it is dropped. */
  @Column({ name: 'dedupe_key', type: 'text', nullable: true })
  dedupeKey!: string | null;
}
