import { ApiProperty } from '@nestjs/swagger';

/**
 * For the OpenAPI document only: the JSON of one notification, over REST and in the stream's
 * `data:`, is made by notificationJson, never from an instance of this class.
 */
export class NotificationDto {
  @ApiProperty({ example: '1042', description: 'Log id: 64-bit, so a decimal string' })
  id!: string;

  @ApiProperty({ example: 'order.shipped' })
  type!: string;

  @ApiProperty({
    example: { orderId: 1234 },
    description: 'Any JSON the producer wrote, exactly as Postgres stores it (big integers too)',
  })
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
}
