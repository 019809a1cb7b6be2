import type { Pool, QueryResultRow } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * A statement of the live path, run thousands of times a second: named, so that each pooled
 * connection parses and plans it once instead of at every call (planning a replay page costs
 * Postgres more than running it). It goes straight to the pool TypeORM opened, with that
 * pool's connection settings and timeouts, since TypeORM has no way to name a statement.
 */
export class PreparedStatement<Row extends QueryResultRow> {
  constructor(
    private readonly name: string,
    private readonly text: string,
  ) {}

  async rows(db: DataSource, values: unknown[]): Promise<Row[]> {
    return (await this.run(db, values)).rows;
  }

  async rowCount(db: DataSource, values: unknown[]): Promise<number> {
    return (await this.run(db, values)).rowCount ?? 0;
  }

  private run(db: DataSource, values: unknown[]) {
    const pool = (db.driver as unknown as { master: Pool }).master;
    return pool.query<Row>({ name: this.name, text: this.text, values });
  }
}
