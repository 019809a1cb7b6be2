import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** Users whose stream an admin closed for good: their stream requests answer 404. */
@Entity({ name: 'closed_streams' })
@Check('closed_streams_reason_at_most_500_chars', `char_length(reason) <= 500`)
export class ClosedStreamEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ name: 'closed_at', type: 'timestamptz', default: () => 'now()' })
  closedAt!: Date;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;
}
