import { z } from 'zod';

/** A path into the configuration tree; numbers index lists. */
export type SettingPath = readonly (string | number)[];

/** One setting of the tree: a value, or a list (which only a file can give). */
export interface Setting {
  path: string[];
  kind: 'value' | 'list';
}

/**
 * The schemas a value may meet where `schema` stands: defaults, optionals and pipes looked through,
 * each branch of a union (a driver's union included) on its own.
 */
function alternatives(schema: z.ZodType): z.ZodType[] {
  if (
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault ||
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodNullable
  ) {
    return alternatives(schema.unwrap() as z.ZodType);
  }
  if (schema instanceof z.ZodPipe) return alternatives(schema.in as z.ZodType);
  if (schema instanceof z.ZodUnion) {
    const options = (schema.options as z.ZodType[]).flatMap(alternatives);
    // A union of values (a boolean or its spelling as a word) is a value; one of groups is a group.
    return options.some((option) => option instanceof z.ZodObject) ? options : [schema];
  }
  return [schema];
}

function objectsAmong(schemas: readonly z.ZodType[]): z.ZodObject[] {
  return schemas
    .flatMap(alternatives)
    .filter((schema): schema is z.ZodObject => schema instanceof z.ZodObject);
}

/** The schemas of what `key` holds under any of `schemas`: every branch that has it. */
function childrenOf(schemas: readonly z.ZodType[], key: string | number): z.ZodType[] {
  const flat = schemas.flatMap(alternatives);
  if (typeof key === 'number') {
    return flat.flatMap((schema) => (schema instanceof z.ZodArray ? [schema.element as z.ZodType] : []));
  }
  return objectsAmong(flat).flatMap((object) => {
    const child = (object.shape as Record<string, z.ZodType | undefined>)[key];
    return child ? [child] : [];
  });
}

function keysOf(schemas: readonly z.ZodType[]): string[] {
  return [...new Set(objectsAmong(schemas).flatMap((object) => Object.keys(object.shape)))];
}

/** The keys the group of settings at `path` takes, over every branch of any union on the way. */
export function keysAt(schema: z.ZodType, path: SettingPath): string[] {
  let schemas = [schema];
  for (const segment of path) schemas = childrenOf(schemas, segment);
  return keysOf(schemas);
}

/** Every setting of the tree: the leaves of every branch of every union, lists included. */
export function settingsOf(schema: z.ZodType): Setting[] {
  const walk = (schemas: z.ZodType[], path: string[]): Setting[] => {
    const keys = keysOf(schemas);
    if (keys.length > 0) return keys.flatMap((key) => walk(childrenOf(schemas, key), [...path, key]));
    const isList = schemas.flatMap(alternatives).some((option) => option instanceof z.ZodArray);
    return [{ path, kind: isList ? 'list' : 'value' }];
  };
  return walk([schema], []);
}
