import { REQUEST_CLASSES, type RequestClass } from '../config/schema';
import { challengeScope } from './access/challenge';
import { PULL, requirementOf, type RouteAccess } from './access/required-access';
import {
  ADMIN_ROUTES,
  defineRoute,
  ROUTES,
  type MethodDeclaration,
  type RouteDeclaration,
  type RouteHandler,
} from './route-table';

const NAME = 'team/app';

/** A route method's access as a Docker token scope, or its kind (`login`, `globalAdmin`) where no scope says it. */
function scopeOf(access: RouteAccess, name = NAME): string {
  return challengeScope(requirementOf(access, name)) ?? access.kind;
}

/**
 * What each endpoint needs, in the scopes Docker token authentication grants: pull to read,
 * pull and push for every step of an upload and for a manifest push (pushing clients look before
 * they write), delete to delete a blob or a manifest, `registry:catalog:*` for the catalog.
 */
const EXPECTED: Record<string, [scope: string, rateClass: RequestClass]> = {
  'GET /v2/': ['login', 'manifestReads'],
  'HEAD /v2/': ['login', 'manifestReads'],
  'GET /v2/_catalog': ['registry:catalog:*', 'manifestReads'],
  'POST /v2/:name/blobs/uploads/': [`repository:${NAME}:pull,push`, 'writes'],
  'GET /v2/:name/blobs/uploads/:uploadId': [`repository:${NAME}:pull,push`, 'writes'],
  'PATCH /v2/:name/blobs/uploads/:uploadId': [`repository:${NAME}:pull,push`, 'writes'],
  'PUT /v2/:name/blobs/uploads/:uploadId': [`repository:${NAME}:pull,push`, 'writes'],
  'DELETE /v2/:name/blobs/uploads/:uploadId': [`repository:${NAME}:pull,push`, 'writes'],
  'HEAD /v2/:name/blobs/:digest': [`repository:${NAME}:pull`, 'blobReads'],
  'GET /v2/:name/blobs/:digest': [`repository:${NAME}:pull`, 'blobReads'],
  'DELETE /v2/:name/blobs/:digest': [`repository:${NAME}:delete`, 'writes'],
  'GET /v2/:name/manifests/:reference': [`repository:${NAME}:pull`, 'manifestReads'],
  'HEAD /v2/:name/manifests/:reference': [`repository:${NAME}:pull`, 'manifestReads'],
  'PUT /v2/:name/manifests/:reference': [`repository:${NAME}:pull,push`, 'writes'],
  'DELETE /v2/:name/manifests/:reference': [`repository:${NAME}:delete`, 'writes'],
  'GET /v2/:name/tags/list': [`repository:${NAME}:pull`, 'manifestReads'],
  'GET /v2/:name/referrers/:digest': [`repository:${NAME}:pull`, 'manifestReads'],
  // Operations on the whole registry, in the admin API: no token scope grants them.
  'GET /admin/v1/gc': ['globalAdmin', 'manifestReads'],
  'GET /admin/v1/gc/dry-run': ['globalAdmin', 'manifestReads'],
  'POST /admin/v1/gc/runs': ['globalAdmin', 'writes'],
};

const tables: RouteDeclaration[] = [...Object.values(ROUTES), ...Object.values(ADMIN_ROUTES)];
const declared: [string, MethodDeclaration][] = tables.flatMap((route: RouteDeclaration) =>
  Object.entries(route.methods).map(([method, declaration]): [string, MethodDeclaration] => [
    `${method} ${route.template}`,
    declaration,
  ]),
);

const handler: RouteHandler = async () => undefined;

describe('the route table', () => {
  it('declares access and a rate class for every method of every route', () => {
    expect(declared.length).toBeGreaterThan(0);
    for (const [endpoint, { access, rateClass }] of declared) {
      expect([endpoint, ['login', 'catalog', 'globalAdmin', 'repository'].includes(access.kind)]).toEqual([
        endpoint,
        true,
      ]);
      if (access.kind === 'repository')
        expect([endpoint, access.actions.length > 0]).toEqual([endpoint, true]);
      expect([endpoint, REQUEST_CLASSES.includes(rateClass)]).toEqual([endpoint, true]);
    }
  });

  it('leaves global admin access to the admin API, whose routes all need it', () => {
    for (const route of Object.values(ROUTES) as RouteDeclaration[]) {
      for (const declaration of Object.values(route.methods))
        expect(declaration.access.kind).not.toBe('globalAdmin');
    }
    for (const route of Object.values(ADMIN_ROUTES) as RouteDeclaration[]) {
      expect(route.template).toMatch(/^\/admin\/v1\//);
      expect(route.pattern.test(route.template)).toBe(true);
      for (const declaration of Object.values(route.methods))
        expect(declaration.access.kind).toBe('globalAdmin');
    }
  });

  it('covers every endpoint of the API, and no other', () => {
    expect(declared.map(([endpoint]) => endpoint).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(declared)('%s needs what Docker token scopes grant for it', (endpoint, { access, rateClass }) => {
    expect([scopeOf(access), rateClass]).toEqual(EXPECTED[endpoint]);
  });

  it('mounts a blob only from a repository the caller may pull', () => {
    expect(scopeOf(ROUTES.uploads.methods.POST.mountSource, 'other/source')).toBe(
      'repository:other/source:pull',
    );
    const withMountSource = declared.filter(([, declaration]) => declaration.mountSource !== undefined);
    expect(withMountSource.map(([endpoint]) => endpoint)).toEqual(['POST /v2/:name/blobs/uploads/']);
  });
});

describe('defineRoute', () => {
  const probe = {
    template: '/v2/:name/probe',
    pattern: /^\/v2\/(?<name>.+)\/probe$/,
    methods: {
      GET: { access: PULL, rateClass: 'manifestReads' },
      DELETE: { access: { kind: 'repository', actions: ['delete'] }, rateClass: 'writes' },
    },
  } as const satisfies RouteDeclaration;

  it('gives each handler the access and rate class its method declares, in the order listed', () => {
    const route = defineRoute(probe, { DELETE: handler, GET: handler });
    expect(route.template).toBe(probe.template);
    expect([...route.endpoints.keys()]).toEqual(['DELETE', 'GET']);
    expect(route.endpoints.get('GET')).toEqual({ ...probe.methods.GET, handle: handler });
    expect(route.endpoints.get('DELETE')).toEqual({ ...probe.methods.DELETE, handle: handler });
  });

  it('does not compile a handler for an undeclared method, or a declared method without one', () => {
    // @ts-expect-error PUT is not declared, so it may not be served.
    expect(() => defineRoute(probe, { GET: handler, DELETE: handler, PUT: handler })).toThrow(
      'PUT /v2/:name/probe is not declared',
    );
    // @ts-expect-error DELETE is declared, so it must be served.
    expect(defineRoute(probe, { GET: handler }).endpoints.has('DELETE')).toBe(false);
  });

  it('does not compile a method that does not say what it needs', () => {
    const unsaid = {
      template: '/v2/:name/unsaid',
      pattern: /^\/v2\/(?<name>.+)\/unsaid$/,
      // @ts-expect-error a method declares its rate class.
      methods: { GET: { access: PULL } },
    } as const satisfies RouteDeclaration;
    const unguarded = {
      template: '/v2/:name/unguarded',
      pattern: /^\/v2\/(?<name>.+)\/unguarded$/,
      // @ts-expect-error a method declares its access.
      methods: { GET: { rateClass: 'writes' } },
    } as const satisfies RouteDeclaration;
    expect([unsaid.methods.GET, unguarded.methods.GET]).toHaveLength(2);
  });
});
