import { QueryFailedError } from 'typeorm';

/** The database refused a value; `field` names the request field it came from, when known. */
export class InvalidValueError extends Error {
  constructor(
    reason: string,
    readonly field?: string,
  ) {
    super(field === undefined ? reason : `${field}: ${reason}`);
  }
}

/** A name that resolves to no table (or no schema). */
export class UnknownTableError extends Error {}

/** Which request field each kind of refusal of one statement is about. */
export interface StatementFields {
  /** The field whose value a data exception (SQLSTATE class 22) is about. */
  value?: string;
  /** The field naming the table, for a table that may not be used this way (42809). */
  table?: string;
}

const CHECK_VIOLATION = '23514';
const WRONG_OBJECT_TYPE = '42809';
const UNKNOWN_TABLE = new Set(['42P01', '3F000']);
/** Refusals whose message says what is wrong: a bad name, an unknown column, no privilege. */
const SELF_EXPLAINING = new Set(['42601', '42602', '42703', '42501', '22023']);
/** Data exceptions: 22P05 (\u0000 in JSON), 22021 (invalid UTF-8), 22P02 (bad input syntax)… */
const DATA_EXCEPTION = /^22/;

interface PostgresFailure {
  code?: string;
  constraint?: string;
  hint?: string;
}

/**
 * The one place that reads Postgres errors: runs a statement and turns a refusal into an
 * InvalidValueError or UnknownTableError (anything else is rethrown as it is). The messages
 * carry Postgres's reason and never the statement's parameters. Repositories wrap their
 * statements in it, so nothing above them ever sees a driver error to translate.
 */
export async function translatingDatabaseErrors<T>(
  fields: StatementFields,
  statement: () => Promise<T>,
): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    throw translateDatabaseError(error, fields);
  }
}

function translateDatabaseError(error: unknown, fields: StatementFields): unknown {
  if (!(error instanceof QueryFailedError)) return error;
  const { code = '', constraint, hint } = error.driverError as PostgresFailure;
  const reason = hint ? `${error.message}. ${hint}` : error.message;
  if (UNKNOWN_TABLE.has(code)) return new UnknownTableError(reason);
  if (code === CHECK_VIOLATION) return new InvalidValueError(`rejected by the rule ${constraint}`);
  if (code === WRONG_OBJECT_TYPE) return new InvalidValueError(reason, fields.table);
  if (SELF_EXPLAINING.has(code)) return new InvalidValueError(reason);
  if (DATA_EXCEPTION.test(code)) return new InvalidValueError(reason, fields.value);
  return error;
}
