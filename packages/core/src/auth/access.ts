/**
 * One entry of a token's `access` claim, and of a requested `scope`: the actions on one resource.
 * Repositories are `type: 'repository'`; `registry:catalog:*` is the catalog.
 */
export interface ResourceAccess {
  type: string;
  name: string;
  actions: string[];
}
