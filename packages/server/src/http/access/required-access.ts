import type { RepositoryAction } from '@berth/metadata-store';
import type { RequestClass } from '../../config/schema';
import { ROUTES, type RouteParams } from '../route-table';

/** What a request needs of its caller. */
export type Requirement =
  /** Any authenticated caller: the API root, where clients learn how to log in. */
  { kind: 'login' } | { kind: 'catalog' } | { kind: 'repository'; name: string; actions: RepositoryAction[] };

const READS = new Set(['GET', 'HEAD']);

/** The access a request to one of the API routes needs. */
export function requiredAccess(template: string, method: string, params: RouteParams): Requirement {
  if (template === ROUTES.base.template) return { kind: 'login' };
  if (template === ROUTES.catalog.template) return { kind: 'catalog' };
  // Pushing clients check what is there before writing, so a push scope always includes pull.
  let actions: RepositoryAction[] = ['pull'];
  if (isUpload(template) || method === 'PUT') actions = ['pull', 'push'];
  else if (method === 'DELETE') actions = ['delete'];
  return { kind: 'repository', name: params.name, actions };
}

/** The rate-limit class of a request. */
export function requestClassOf(template: string, method: string): RequestClass {
  if (isUpload(template) || !READS.has(method)) return 'writes';
  return template === ROUTES.blob.template ? 'blobReads' : 'manifestReads';
}

function isUpload(template: string): boolean {
  return template === ROUTES.uploads.template || template === ROUTES.upload.template;
}
