import { createPrivateKey } from 'node:crypto';
import { berth } from '../support/cli-harness';

describe('berth auth keygen', () => {
  it('prints a new P-256 private key as PEM, a different one each time', async () => {
    const first = await berth({}, ['auth', 'keygen']);
    expect(first).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^-----BEGIN PRIVATE KEY-----\n/),
      stderr: '',
    });
    const key = createPrivateKey(first.stdout);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect((await berth({}, ['auth', 'keygen'])).stdout).not.toBe(first.stdout);
  });
});
