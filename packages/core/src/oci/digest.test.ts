import { InvalidDigestError } from '../errors/domain-errors';
import { digestOf, parseDigest } from './digest';

describe('parseDigest', () => {
  it('accepts sha256 and sha512 in lowercase hex', () => {
    expect(parseDigest(`sha256:${'a'.repeat(64)}`)).toEqual({
      algorithm: 'sha256',
      hex: 'a'.repeat(64),
      value: `sha256:${'a'.repeat(64)}`,
    });
    expect(parseDigest(`sha512:${'0'.repeat(128)}`).algorithm).toBe('sha512');
  });

  it.each([
    ['', 'malformed'],
    ['sha256', 'malformed'],
    [`sha256:${'A'.repeat(64)}`, 'lowercase hex'],
    [`sha256:${'a'.repeat(63)}`, '64'],
    [`sha512:${'a'.repeat(64)}`, '128'],
    [`md5:${'a'.repeat(32)}`, 'unsupported digest algorithm "md5"'],
    [`sha256:${'a'.repeat(64)}/..`, 'malformed'],
  ])('refuses %j', (input, message) => {
    expect(() => parseDigest(input)).toThrow(InvalidDigestError);
    expect(() => parseDigest(input)).toThrow(message);
  });

  it('computes digests of buffers', () => {
    expect(digestOf(Buffer.from(''))).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});
