/** Manifest and index media types the registry understands. */
export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** Media types whose documents list child manifests rather than layers. */
export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([
  MediaTypes.ociIndex,
  MediaTypes.dockerManifestList,
]);

/** Media types whose documents reference a config and layers. */
export const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set([
  MediaTypes.ociManifest,
  MediaTypes.dockerManifest,
]);

/** Docker schema 1 types, which the registry refuses. */
export const SCHEMA1_MEDIA_TYPES: ReadonlySet<string> = new Set([
  MediaTypes.dockerSchema1,
  MediaTypes.dockerSchema1Signed,
  'application/json',
]);

// RFC 6838's restricted-name for type and subtype, as the image spec's descriptor schema has it:
// no parameters, no spaces, no control characters.
const MEDIA_TYPE_GRAMMAR = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** True when `value` is a media type (`type/subtype`) as descriptors and artifact types must be. */
export function isMediaType(value: string): boolean {
  return MEDIA_TYPE_GRAMMAR.test(value);
}

// Layers that clients fetch from elsewhere (`urls`), so the registry never holds their bytes.
const FOREIGN_LAYER_PREFIXES = [
  'application/vnd.docker.image.rootfs.foreign.',
  'application/vnd.oci.image.layer.nondistributable.',
];

/** True for layer types that may legitimately be absent from the registry. */
export function isForeignLayer(mediaType: string): boolean {
  return FOREIGN_LAYER_PREFIXES.some((prefix) => mediaType.startsWith(prefix));
}
