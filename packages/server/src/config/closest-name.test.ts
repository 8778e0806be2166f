import { closestName } from './closest-name';

describe('closestName', () => {
  it.each([
    ['prot', ['host', 'port', 'workers'], 'port'],
    ['htttp', ['http', 'log', 'blobs'], 'http'],
    ['PartSize', ['partSize', 'prefix'], 'partSize'],
    ['connectTimeoutMs', ['connectTimeoutSeconds', 'requestTimeoutSeconds'], 'connectTimeoutSeconds'],
  ])('takes %s for %p: %s', (name, candidates, meant) => {
    expect(closestName(name, candidates)).toBe(meant);
  });

  it('suggests nothing for a name like none of them', () => {
    expect(closestName('zzz', ['http', 'log', 'blobs'])).toBeUndefined();
    expect(closestName('anything', [])).toBeUndefined();
  });
});
