import { isValidUserId } from './user-id';

describe('a user id', () => {
  it.each(['eve', 'x\uFFFD', 'ana-😀', 'ü'.repeat(200), '😀'.repeat(200)])('may be %s', (id) => {
    expect(isValidUserId(id)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['201 characters', 'u'.repeat(201)],
    ['a control character', 'a\nb'],
    ['a lone high surrogate', 'eve\ud800'],
    ['a lone low surrogate', 'x\udfff'],
    ['a pair in the wrong order', 'x\ude00\ud83d'],
    ['not a string', 42],
  ])('may not be %s', (_, id) => {
    expect(isValidUserId(id)).toBe(false);
  });
});
