import type { NewManifest } from '@berth/metadata-store/port';
import { InvalidDigestError, InvalidManifestError, UnsupportedManifestError } from '../errors/domain-errors';
import { parseDigest } from './digest';
import {
  IMAGE_MEDIA_TYPES,
  INDEX_MEDIA_TYPES,
  SCHEMA1_MEDIA_TYPES,
  isForeignLayer,
  isMediaType,
} from './media-types';

/** A content descriptor as the image spec defines it. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw new InvalidManifestError(`${where} must be a descriptor object`);
  const { mediaType, digest, size, urls } = value;
  if (typeof mediaType !== 'string') throw new InvalidManifestError(`${where}.mediaType must be a string`);
  assertMediaType(mediaType, `${where}.mediaType`);
  if (typeof digest !== 'string') throw new InvalidManifestError(`${where}.digest must be a string`);
  try {
    parseDigest(digest);
  } catch (error) {
    if (error instanceof InvalidDigestError)
      throw new InvalidManifestError(`${where}.digest: ${error.message}`);
    throw error;
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new InvalidManifestError(`${where}.size must be a non-negative integer`);
  }
  if (urls !== undefined && (!Array.isArray(urls) || urls.some((url) => typeof url !== 'string'))) {
    throw new InvalidManifestError(`${where}.urls must be an array of strings`);
  }
  return { mediaType, digest, size, ...(urls ? { urls: urls as string[] } : {}) };
}

function parseDescriptorList(value: unknown, where: string): Descriptor[] {
  if (!Array.isArray(value)) throw new InvalidManifestError(`${where} must be an array`);
  return value.map((item, index) => parseDescriptor(item, `${where}[${index}]`));
}

function parseAnnotations(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new InvalidManifestError('annotations must map strings to strings');
  }
  return value as Record<string, string>;
}

// The image spec requires RFC 6838 media types. The registry records artifact types (a config's
// media type among them) and filters on them, so one that breaks the grammar (NUL and every other
// control character do) is refused rather than stored.
function assertMediaType(value: string, field: string): void {
  if (!isMediaType(value)) {
    throw new InvalidManifestError(
      `${field} ${JSON.stringify(value)} is not a media type (RFC 6838 type/subtype)`,
    );
  }
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidManifestError(`${field} must be a string`);
  return value;
}

/**
 * Resolves the manifest's media type from the request's Content-Type and the document's own
 * `mediaType` field, which must agree when both are given.
 */
function resolveMediaType(contentType: string | undefined, declared: unknown): string {
  const fromHeader = contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
  const fromBody = optionalString(declared, 'mediaType');
  for (const candidate of [fromHeader, fromBody]) {
    if (candidate && SCHEMA1_MEDIA_TYPES.has(candidate) && candidate !== 'application/json') {
      throw new UnsupportedManifestError('Docker schema 1 manifests are not supported; push schema 2 or OCI');
    }
  }
  if (fromHeader && fromBody && fromHeader !== fromBody) {
    throw new InvalidManifestError(
      `Content-Type ${fromHeader} does not match the manifest's mediaType ${fromBody}`,
    );
  }
  const mediaType = fromBody ?? fromHeader;
  if (!mediaType)
    throw new InvalidManifestError('manifest media type missing: set Content-Type or mediaType');
  if (!IMAGE_MEDIA_TYPES.has(mediaType) && !INDEX_MEDIA_TYPES.has(mediaType)) {
    throw new InvalidManifestError(`unsupported manifest media type ${mediaType}`);
  }
  return mediaType;
}

/**
 * Validates a manifest or index document and extracts what the registry records about it:
 * the blobs and child manifests it references, its subject and artifact type.
 */
export function parseManifest(payload: Buffer, contentType: string | undefined): Omit<NewManifest, 'digest'> {
  let document: unknown;
  try {
    document = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new InvalidManifestError('manifest is not valid JSON');
  }
  if (!isObject(document)) throw new InvalidManifestError('manifest must be a JSON object');
  if (document.schemaVersion === 1) {
    throw new UnsupportedManifestError('Docker schema 1 manifests are not supported; push schema 2 or OCI');
  }
  if (document.schemaVersion !== 2) throw new InvalidManifestError('schemaVersion must be 2');

  const mediaType = resolveMediaType(contentType, document.mediaType);
  const subject = document.subject === undefined ? undefined : parseDescriptor(document.subject, 'subject');
  const annotations = parseAnnotations(document.annotations);
  let artifactType = optionalString(document.artifactType, 'artifactType');
  if (artifactType !== undefined) assertMediaType(artifactType, 'artifactType');
  const blobDigests: string[] = [];
  const manifestDigests: string[] = [];

  if (INDEX_MEDIA_TYPES.has(mediaType)) {
    for (const child of parseDescriptorList(document.manifests, 'manifests'))
      manifestDigests.push(child.digest);
  } else {
    const config = parseDescriptor(document.config, 'config');
    blobDigests.push(config.digest);
    for (const layer of parseDescriptorList(document.layers, 'layers')) {
      if (layer.urls && isForeignLayer(layer.mediaType)) continue;
      blobDigests.push(layer.digest);
    }
    // The referrers API reports the config's type when an image manifest names no artifactType.
    artifactType ??= config.mediaType;
  }

  return {
    mediaType,
    payload,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(subject ? { subjectDigest: subject.digest } : {}),
    ...(annotations ? { annotations } : {}),
    blobDigests: [...new Set(blobDigests)],
    manifestDigests: [...new Set(manifestDigests)],
  };
}
