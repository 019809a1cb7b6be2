import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsLogId } from '../validation/field-rules';
import { PageQueryDto } from '../validation/page-query.dto';
import { NotificationDto } from '../notifications/notification.dto';

export class InboxQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Only notifications with a smaller id (the previous page’s nextBefore)',
  })
  @IsOptional()
  @IsLogId()
  before?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only unread notifications' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';
}

export class InboxPageDto {
  @ApiProperty({ type: [NotificationDto], description: 'Newest first' })
  items!: NotificationDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `before` for the next page; null on the last',
  })
  nextBefore!: string | null;
}

export class UnreadCountDto {
  @ApiProperty({ example: 3 })
  count!: number;
}

export class ReadAllResultDto {
  @ApiProperty({ example: 3, description: 'How many notifications were marked read' })
  updated!: number;
}
