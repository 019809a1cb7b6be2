const MAX_LOG_ID = (1n << 63n) - 1n;
const DECIMAL = /^(0|[1-9][0-9]{0,18})$/;

export class InvalidResumeIdError extends Error {
  constructor(readonly source: string) {
    super(`${source} must be a decimal integer from 0 to 9223372036854775807`);
  }
}

/**
 * Reads the client's resume point: the `Last-Event-ID` header wins over the `lastEventId`
 * query parameter. Returns undefined when neither is present (the stream starts live).
 * Both are untrusted input: anything but a plain decimal in the bigint range is refused.
 */
export function parseResumeId(header: unknown, query: unknown): bigint | undefined {
  if (header !== undefined) return parseOne(header, 'Last-Event-ID');
  if (query !== undefined) return parseOne(query, 'lastEventId');
  return undefined;
}

/** A log id as clients send it: a plain decimal from 0 to 2^63 − 1. */
export function isLogId(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL.test(value) && BigInt(value) <= MAX_LOG_ID;
}

function parseOne(value: unknown, source: string): bigint {
  if (!isLogId(value)) throw new InvalidResumeIdError(source);
  return BigInt(value);
}
