import { ApiProperty } from '@nestjs/swagger';
import type { NotificationEntity } from '@app/persistence';

/** One notification as users see it, over REST and in the stream's `data:`. */
export class NotificationDto {
  @ApiProperty({ example: '1042', description: 'Log id: 64-bit, so a decimal string' })
  id!: string;

  @ApiProperty({ example: 'order.shipped' })
  type!: string;

  @ApiProperty({ example: { orderId: 1234 }, description: 'Any JSON the producer wrote' })
  payload!: unknown;

  @ApiProperty({ example: '2026-11-21T10:00:00.123Z' })
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'null while unread' })
  readAt!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-11-21T10:00:00.130Z',
    description: 'When a stream (a tab, on any instance) was first sent it; null until then',
  })
  deliveredAt!: string | null;

  static from(entity: NotificationEntity): NotificationDto {
    return {
      id: entity.id,
      type: entity.type,
      payload: entity.payload,
      createdAt: entity.createdAt.toISOString(),
      readAt: entity.readAt?.toISOString() ?? null,
      deliveredAt: entity.deliveredAt?.toISOString() ?? null,
    };
  }
}
