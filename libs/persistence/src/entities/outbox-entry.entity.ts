import { Check, Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import {
  MAX_PAYLOAD_BYTES,
  NOTIFICATION_TYPE_PATTERN,
  TRACEPARENT_PATTERN,
} from '../postgres-objects';

/** What producers insert, in their own transactions; drained into the log by the ingester. */
@Entity({ name: 'notification_outbox' })
@Check(
  'outbox_user_id_1_to_200_chars_without_control_characters',
  `char_length(user_id) BETWEEN 1 AND 200 AND user_id !~ '[\\x01-\\x1f\\x7f-\\x9f]'`,
)
@Check(
  'outbox_type_matches_a_z_0_9_dot_colon_dash_underscore_1_to_100',
  `type ~ '${NOTIFICATION_TYPE_PATTERN}'`,
)
@Check('outbox_payload_at_most_64_kib', `octet_length(payload::text) <= ${MAX_PAYLOAD_BYTES}`)
@Check('outbox_traceparent_is_w3c_trace_context', `traceparent ~ '${TRACEPARENT_PATTERN}'`)
@Check(
  'outbox_dedupe_key_1_to_200_chars_without_control_characters',
  `char_length(dedupe_key) BETWEEN 1 AND 200 AND dedupe_key !~ '[\\x01-\\x1f\\x7f-\\x9f]'`,
)
export class OutboxEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ type: 'text', default: 'message' })
  type!: string;

  @Column({ type: 'jsonb', default: {} })
  payload!: unknown;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** The producer's W3C trace context, if it has one: the notifier's spans join its trace. */
  @Column({ type: 'text', nullable: true })
  traceparent!: string | null;

  /** A row whose (user, key) is already in the log, or earlier in the same drain, is dropped. */
  @Column({ name: 'dedupe_key', type: 'text', nullable: true })
  dedupeKey!: string | null;
}
