/** A blob known to the registry, wherever it is linked. */
export interface BlobRecord {
  digest: string;
  size: number;
  /** Where the bytes live in the BlobStore. */
  storageKey: string;
}

/** A manifest as stored, with its exact bytes. */
export interface ManifestRecord {
  digest: string;
  mediaType: string;
  size: number;
  payload: Buffer;
  artifactType?: string;
  subjectDigest?: string;
}

/** A manifest to store, with what it references already extracted by the caller. */
export interface NewManifest {
  digest: string;
  mediaType: string;
  payload: Buffer;
  artifactType?: string;
  /** The manifest this one refers to (OCI `subject`); it need not exist yet. */
  subjectDigest?: string;
  /** `annotations` of the manifest, reported by the referrers API. */
  annotations?: Record<string, string>;
  /** Config and layer digests; each must be linked in the repository. */
  blobDigests: string[];
  /** Digests of child manifests (of an index); each must exist in the repository. */
  manifestDigests: string[];
}

/** Outcome of storing a manifest. */
export type PutManifestResult =
  | { status: 'stored'; created: boolean }
  | { status: 'missing-references'; blobs: string[]; manifests: string[] };

/** A manifest that names a given subject, as the referrers API describes it. */
export interface Referrer {
  digest: string;
  mediaType: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/**
 * Lexically ordered paging: up to `limit` names strictly after `last`, in byte order; no limit
 * means all. `last` may hold any text, NUL included.
 */
export interface PageRequest {
  last?: string;
  limit?: number;
}
