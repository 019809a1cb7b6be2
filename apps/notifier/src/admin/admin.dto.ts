import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsOptional, IsString, MaxLength } from 'class-validator';
import { MAX_PAYLOAD_BYTES, NOTIFICATION_TYPE_PATTERN } from '@app/postgres-objects';
import { PageQueryDto } from '../validation/page-query.dto';
import { NotificationDto } from '../notifications/notification.dto';
import { IsLogId, IsNotificationType, IsUserId } from '../validation/field-rules';

export class CreateNotificationDto {
  @ApiProperty({ example: 'user-42', description: '1–200 characters, no control characters' })
  @IsUserId()
  userId!: string;

  @ApiPropertyOptional({
    example: 'order.shipped',
    default: 'message',
    pattern: NOTIFICATION_TYPE_PATTERN,
  })
  @IsOptional()
  @IsString()
  @IsNotificationType()
  type: string = 'message';

  /** For the OpenAPI document: the payload is read from the raw body (JsonFieldText). */
  @ApiPropertyOptional({
    example: { orderId: 1234 },
    default: {},
    description: `Any JSON, at most ${MAX_PAYLOAD_BYTES} bytes; stored as written, numbers exact`,
  })
  @Allow()
  payload?: unknown;
}

export class AcceptedDto {
  @ApiProperty({
    example: true,
    description: 'Written to the outbox; it is delivered once ingested',
  })
  accepted!: true;
}

export class AdminNotificationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUserId()
  userId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsNotificationType()
  type?: string;

  @ApiPropertyOptional({
    description: 'Only notifications with a greater id (the previous page’s nextAfter)',
  })
  @IsOptional()
  @IsLogId()
  after?: string;
}

/** For the OpenAPI document only, as NotificationDto: adminNotificationJson makes the JSON. */
export class AdminNotificationDto extends NotificationDto {
  @ApiProperty({ example: 'user-42' })
  userId!: string;

  @ApiProperty({
    example: '2026-11-21T10:00:00.125Z',
    description: 'When the ingester appended it to the log',
  })
  storedAt!: string;
}

export class AdminNotificationsPageDto {
  @ApiProperty({ type: [AdminNotificationDto], description: 'Oldest first' })
  items!: AdminNotificationDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `after` for the next page; null on the last',
  })
  nextAfter!: string | null;
}

export class CloseStreamDto {
  @ApiPropertyOptional({ example: 'account deleted', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class ConnectionDto {
  @ApiProperty({ example: 7 })
  id!: number;

  @ApiProperty({ example: '2026-11-21T10:00:00.000Z' })
  openedAt!: string;

  @ApiProperty({ example: '1042', description: 'The last log id written to this stream' })
  lastEventId!: string;

  @ApiProperty({ example: 0, description: 'Output written but not yet taken by the client' })
  bufferedBytes!: number;
}

class UserConnectionsDto {
  @ApiProperty()
  userId!: string;

  @ApiProperty()
  connections!: number;
}

class ConnectionStatsDto {
  @ApiProperty()
  total!: number;

  @ApiProperty({
    type: [UserConnectionsDto],
    description: 'Users with the most open streams, at most 10',
  })
  topUsers!: UserConnectionsDto[];
}

class OutboxStatsDto {
  @ApiProperty({ description: 'Rows waiting for the ingester' })
  backlog!: number;

  @ApiProperty({ type: String, nullable: true })
  oldestCreatedAt!: string | null;
}

export class StatsDto {
  @ApiProperty({ description: 'Random id of this instance, new at every start' })
  instanceId!: string;

  @ApiProperty({ description: 'Whether this instance holds the ingest lock' })
  ingestLeader!: boolean;

  @ApiProperty({ type: ConnectionStatsDto })
  connections!: ConnectionStatsDto;

  @ApiProperty({ type: OutboxStatsDto })
  outbox!: OutboxStatsDto;

  @ApiProperty({ example: '1042', description: 'Highest id in the log' })
  lastLogId!: string;

  @ApiProperty({ description: 'Age in seconds of the oldest outbox row (0 when empty)' })
  ingestLagSeconds!: number;

  @ApiProperty({ description: 'Notification frames this instance wrote since it started' })
  eventsDelivered!: number;
}
