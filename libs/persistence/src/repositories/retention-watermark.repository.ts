import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The highest log id retention may have deleted: every id above it is still kept. */
@Injectable()
export class RetentionWatermarkRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Never moves back, so concurrent or repeated runs are harmless; recreates a lost row. */
  async raiseTo(id: bigint): Promise<bigint> {
    const [row] = await this.db.query<{ id: string }[]>(
      `INSERT INTO retention_watermark (deleted_up_to) VALUES ($1::bigint)
       ON CONFLICT (singleton) DO UPDATE
         SET deleted_up_to = greatest(retention_watermark.deleted_up_to, excluded.deleted_up_to)
       RETURNING deleted_up_to::text AS id`,
      [id.toString()],
    );
    return BigInt(row.id);
  }
}
