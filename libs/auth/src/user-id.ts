// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/**
 * A lone UTF-16 surrogate (a well-formed pair reads as one code point under /u). Postgres
 * stores it as U+FFFD, so `x\ud800` and `x\udfff` would be one user in the log and two in
 * memory: the hub, keyed by the JavaScript string, would never find the user's rows.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/** What every user id must be, wherever it enters: said once, for messages. */
export const USER_ID_RULE = '1–200 characters of well-formed Unicode without control characters';

/** The outbox CHECK constraint's rule (1–200 characters, no control characters), well-formed. */
export function isValidUserId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    [...value].length <= 200 &&
    !CONTROL_CHARACTERS.test(value) &&
    !LONE_SURROGATE.test(value)
  );
}
