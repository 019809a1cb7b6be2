import { InvalidResumeIdError, parseResumeId } from './resume-id';

describe('parseResumeId', () => {
  it('starts live when neither the header nor the query parameter is present', () => {
    expect(parseResumeId(undefined, undefined)).toBeUndefined();
  });

  it('reads the Last-Event-ID header', () => {
    expect(parseResumeId('42', undefined)).toBe(42n);
  });

  it('falls back to the lastEventId query parameter', () => {
    expect(parseResumeId(undefined, '7')).toBe(7n);
  });

  it('prefers the header over the query parameter', () => {
    expect(parseResumeId('5', '9')).toBe(5n);
  });

  it('accepts the whole signed 64-bit range', () => {
    expect(parseResumeId('0', undefined)).toBe(0n);
    expect(parseResumeId('9223372036854775807', undefined)).toBe(9223372036854775807n);
  });

  it.each([
    '',
    ' 1',
    '1 ',
    '-1',
    '+1',
    '01',
    '1.0',
    '1e3',
    '0x10',
    'abc',
    '9223372036854775808',
    '99999999999999999999',
    '1; DROP TABLE notifications',
    '٣',
  ])('refuses %j with an error naming the header', (value) => {
    expect(() => parseResumeId(value, undefined)).toThrow(
      new InvalidResumeIdError('Last-Event-ID'),
    );
  });

  it('refuses a repeated query parameter, naming it', () => {
    expect(() => parseResumeId(undefined, ['1', '2'])).toThrow(/lastEventId/);
  });
});
