import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';

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

/** The table name does not resolve to an existing table. */
export class UnknownTableError extends Error {}

/** `notifier_watch()` refused the settings; the message says why. */
export class WatchRefusedError extends Error {}

/** Postgres errors that mean "no such table", from the text → regclass cast. */
const UNKNOWN_TABLE = new Set(['42P01', '3F000']);
/** Bad names, unknown columns, refused settings, or not the table's owner. */
const REFUSED = new Set(['42601', '42602', '42703', '22023', '42501']);

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
    const [watch] = await this.translatingErrors(() =>
      this.db.query<Watch[]>(
        `SELECT ${WATCH_ROW} FROM notifier_watch($1::regclass, $2, $3, $4::text[])`,
        [table, userColumn, type ?? null, columns ?? null],
      ),
    );
    return watch;
  }

  /** Returns whether the table was watched. */
  async unwatch(table: string): Promise<boolean> {
    const [row] = await this.translatingErrors(() =>
      this.db.query<{ unwatched: boolean }[]>(
        `SELECT notifier_unwatch($1::regclass) AS unwatched`,
        [table],
      ),
    );
    return row.unwatched;
  }

  private async translatingErrors<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      if (!(error instanceof QueryFailedError)) throw error;
      const { code = '', hint } = error.driverError as { code?: string; hint?: string };
      if (UNKNOWN_TABLE.has(code)) throw new UnknownTableError(error.message);
      if (REFUSED.has(code)) {
        throw new WatchRefusedError(hint ? `${error.message}. ${hint}` : error.message);
      }
      throw error;
    }
  }
}
