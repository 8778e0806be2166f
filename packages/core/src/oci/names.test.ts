import { InvalidNameError, InvalidTagError } from '../errors/domain-errors';
import { assertRepositoryName, assertTag } from './names';

describe('repository names', () => {
  it.each(['a', 'library/ubuntu', 'a/b/c/d', 'my-org/my_repo', 'a__b', 'a.b-c---d', '0/1'])(
    'accepts %s',
    (name) => {
      expect(() => assertRepositoryName(name)).not.toThrow();
    },
  );

  it.each(['', 'A', 'a/', '/a', 'a//b', 'a___b', '-a', 'a-', 'a/.b', 'a b', 'a/../b', 'a'.repeat(256)])(
    'refuses %j',
    (name) => {
      expect(() => assertRepositoryName(name)).toThrow(InvalidNameError);
    },
  );
});

describe('tags', () => {
  it.each(['latest', 'v1.2.3', '_x', 'A-b_c.d', 'a'.repeat(128)])('accepts %s', (tag) => {
    expect(() => assertTag(tag)).not.toThrow();
  });

  it.each(['', '.x', '-x', 'a:b', 'a/b', 'a'.repeat(129)])('refuses %j', (tag) => {
    expect(() => assertTag(tag)).toThrow(InvalidTagError);
  });
});
