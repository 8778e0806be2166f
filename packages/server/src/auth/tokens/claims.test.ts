import { parseAccessClaim } from './claims';
import { InvalidTokenError } from './invalid-token-error';

describe('parseAccessClaim', () => {
  it('reads the entries of the access claim', () => {
    const claim = [
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ];
    expect(parseAccessClaim(claim)).toEqual(claim);
  });

  it('treats a missing claim as no access', () => {
    expect(parseAccessClaim(undefined)).toEqual([]);
  });

  it('keeps only the known members', () => {
    const claim = [{ type: 'repository', name: 'app', actions: [], extra: { nested: true } }];
    expect(parseAccessClaim(claim)).toEqual([{ type: 'repository', name: 'app', actions: [] }]);
  });

  it.each([
    ['null', null],
    ['a string', 'repository:app:pull'],
    ['an object', { type: 'repository', name: 'app', actions: ['pull'] }],
    ['a null entry', [null]],
    ['an entry without actions', [{ type: 'repository', name: 'app' }]],
    ['actions not an array', [{ type: 'repository', name: 'app', actions: 'pull' }]],
    ['a non-string action', [{ type: 'repository', name: 'app', actions: ['pull', 1] }]],
    ['a non-string name', [{ type: 'repository', name: 7, actions: ['pull'] }]],
    ['a missing type', [{ name: 'app', actions: ['pull'] }]],
  ])('refuses %s', (_, claim) => {
    expect(() => parseAccessClaim(claim)).toThrow(new InvalidTokenError('malformed access claim'));
  });
});
