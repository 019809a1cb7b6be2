import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsNotEmpty,
  IsOptional,
  IsString,
} from 'class-validator';
import type { Watch } from '@app/persistence';
import { NOTIFICATION_TYPE_PATTERN } from '@app/postgres-objects';
import { IsNotificationType } from '../validation/field-rules';

const TABLE_DESCRIPTION =
  'As in SQL: `orders`, `sales.orders`, `"Order Items"` (quoted names keep their case)';

export class WatchTableDto {
  @ApiProperty({ example: 'orders', description: TABLE_DESCRIPTION })
  @IsString()
  @IsNotEmpty()
  table!: string;

  @ApiProperty({
    example: 'customer_id',
    description: 'The column holding the user to notify, spelt exactly as the column is named',
  })
  @IsString()
  @IsNotEmpty()
  userColumn!: string;

  @ApiPropertyOptional({
    example: 'order.changed',
    pattern: NOTIFICATION_TYPE_PATTERN,
    description: 'The notification type; by default `<table>.<insert|update|delete>`',
  })
  @IsOptional()
  @IsString()
  @IsNotificationType()
  type?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['status', 'total'],
    description: 'Only these columns are sent, and only changes to them notify; by default all',
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  columns?: string[];
}

export class WatchDto {
  @ApiProperty({ example: 'orders', description: TABLE_DESCRIPTION })
  table!: string;

  @ApiProperty({ example: 'customer_id' })
  userColumn!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'null: `<table>.<insert|update|delete>`',
  })
  type!: string | null;

  @ApiProperty({ type: [String], nullable: true, example: null, description: 'null: all' })
  columns!: string[] | null;

  @ApiProperty({ example: ['id'], description: 'The primary key, sent as `key` in every payload' })
  keyColumns!: string[];

  @ApiProperty({ example: '2025-11-21T20:00:00.000Z' })
  watchedAt!: string;

  static from(watch: Watch): WatchDto {
    return {
      table: watch.table,
      userColumn: watch.userColumn,
      type: watch.type,
      columns: watch.columns,
      keyColumns: watch.keyColumns,
      watchedAt: watch.watchedAt.toISOString(),
    };
  }
}
