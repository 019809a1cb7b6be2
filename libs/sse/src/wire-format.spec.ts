import { encodeComment, encodeEvent, encodeRetry } from './wire-format';

describe('encodeEvent', () => {
  it('writes id, then data, then a blank line', () => {
    expect(encodeEvent({ id: '42', data: '{"a":1}' })).toBe('id: 42\ndata: {"a":1}\n\n');
  });

  it('writes a named event without an id', () => {
    expect(encodeEvent({ event: 'read', data: '{"ids":["1"]}' })).toBe(
      'event: read\ndata: {"ids":["1"]}\n\n',
    );
  });

  it('splits data at every kind of line break, so no line of it can forge a field', () => {
    const hostile = 'a\n\ndata: forged\rid: 999\r\nevent: evil';
    expect(encodeEvent({ id: '1', data: hostile })).toBe(
      'id: 1\ndata: a\ndata: \ndata: data: forged\ndata: id: 999\ndata: event: evil\n\n',
    );
  });

  it('keeps empty data as one empty data line', () => {
    expect(encodeEvent({ data: '' })).toBe('data: \n\n');
  });

  it.each(['1\n2', '1\r', 'a\0b'])('refuses an id that is not one clean line: %j', (id) => {
    expect(() => encodeEvent({ id, data: 'x' })).toThrow(RangeError);
  });

  it('refuses an event name that spans lines', () => {
    expect(() => encodeEvent({ event: 'read\ndata: x', data: 'x' })).toThrow(RangeError);
  });
});

describe('encodeComment', () => {
  it('writes a comment line that EventSource ignores', () => {
    expect(encodeComment('ping')).toBe(': ping\n\n');
  });

  it('keeps every line of a multi-line comment a comment', () => {
    expect(encodeComment('a\ndata: x')).toBe(': a\n: data: x\n\n');
  });
});

describe('encodeRetry', () => {
  it('writes the reconnection delay', () => {
    expect(encodeRetry(3000)).toBe('retry: 3000\n\n');
  });

  it.each([-1, 1.5, Number.NaN])('refuses %p', (value) => {
    expect(() => encodeRetry(value)).toThrow(RangeError);
  });
});
