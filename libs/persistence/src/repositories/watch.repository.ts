import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { translatingDatabaseErrors } from '../database-errors';

/** A watched table and the settings its trigger reads (see `notifier_watch()`). */
export interface Watch {
  /** The table as Postgres names it: schema-qualified unless on the search path, quoted if needed. */
  table: string;
  userColumn: string;
  /** null: `<table>.<insert|update|delete>`. */
  type: string | null;
  /** null: every column. */
  columns: string[] | null;
  keyColumns: string[];
  watchedAt: Date;
}

export interface WatchSettings {
  table: string;
  userColumn: string;
  type?: string;
  columns?: string[];
}

/** A refusal of the table itself (one of ours, a system catalog) is about the `table` field. */
const WATCH_FIELDS = { table: 'table' };

const WATCH_ROW = `table_oid::text AS "table", user_column AS "userColumn", type, columns,
  key_columns AS "keyColumns", watched_at AS "watchedAt"`;

/**
 * The watched tables. Names are only ever bound as parameters and cast to regclass, so
 * Postgres resolves them (quotes, schema prefixes) and no name can inject SQL.
 */
@Injectable()
export class WatchRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Skips tables dropped since they were watched: their triggers went with them. */
  list(): Promise<Watch[]> {
    return this.db.query(
      `SELECT ${WATCH_ROW} FROM notifier_watches
       WHERE table_oid IN (SELECT oid FROM pg_class) ORDER BY table_oid::text`,
    );
  }

  async watch({ table, userColumn, type, columns }: WatchSettings): Promise<Watch> {
    const [watch] = await translatingDatabaseErrors(WATCH_FIELDS, () =>
      this.db.query<Watch[]>(
        `SELECT ${WATCH_ROW} FROM notifier_watch($1::regclass, $2, $3, $4::text[])`,
        [table, userColumn, type ?? null, columns ?? null],
      ),
    );
    return watch;
  }

  /** Returns whether the table was watched. */
  async unwatch(table: string): Promise<boolean> {
    const [row] = await translatingDatabaseErrors(WATCH_FIELDS, () =>
      this.db.query<{ unwatched: boolean }[]>(
        `SELECT notifier_unwatch($1::regclass) AS unwatched`,
        [table],
      ),
    );
    return row.unwatched;
  }
}
