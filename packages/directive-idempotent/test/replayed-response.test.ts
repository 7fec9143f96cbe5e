import { isWholeReplay } from '../src';

describe('isWholeReplay: a response-wide "replayed" only when no root field ran again', () => {
  test.each([
    ['every root field replayed', { a: {}, b: {} }, ['a', 'b'], true],
    ['__typename runs nothing', { __typename: 'Mutation', a: {} }, ['a'], true],
    ['one field ran', { a: {}, b: {} }, ['a'], false],
    ['a field that failed (null) and was not replayed', { a: {}, b: null }, ['a'], false],
    ['nothing replayed', { a: {} }, [], false],
    ['only __typename', { __typename: 'Mutation' }, [], false],
    ['no data', null, ['a'], false],
  ] as const)('%s', (_case, data, replayed, whole) => {
    expect(isWholeReplay(data, replayed)).toBe(whole);
  });
});
