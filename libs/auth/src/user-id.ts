// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** The same rule as the outbox CHECK constraint: 1–200 characters, no control characters. */
export function isValidUserId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    [...value].length <= 200 &&
    !CONTROL_CHARACTERS.test(value)
  );
}
