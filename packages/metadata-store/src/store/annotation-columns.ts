import { isStorableText } from '../db/storable-text';

/** A manifest's annotations as parameters of its `annotations` (jsonb) and `annotations_json` columns. */
export interface AnnotationParams {
  jsonb: string | null;
  json: string | null;
}

/**
 * jsonb when it can hold every key and value, json otherwise (see the migration that adds
 * `annotations_json`). JSON.stringify escapes NUL and unpaired surrogates, so either column gets
 * JSON text that PostgreSQL accepts as text.
 */
export function annotationParams(annotations: Record<string, string> | undefined): AnnotationParams {
  if (annotations === undefined) return { jsonb: null, json: null };
  const text = JSON.stringify(annotations);
  const fitsJsonb = Object.entries(annotations).every(
    ([key, value]) => isStorableText(key) && isStorableText(value),
  );
  return fitsJsonb ? { jsonb: text, json: null } : { jsonb: null, json: text };
}

/** The annotations of `manifests m` from whichever column holds them, parsed by the driver as JSON. */
export const ANNOTATIONS_COLUMN = 'COALESCE(m.annotations::json, m.annotations_json) AS annotations';
