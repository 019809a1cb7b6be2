import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What producers insert, in their own transactions; drained into the log by the ingester. */
@Entity({ name: 'notification_outbox' })
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
}
