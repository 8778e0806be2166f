import type { RegistryClient } from '../oci/registry-client';

export type Flavor = 'berth' | 'distribution';
export type Storage = 'fs' | 's3';

/** A registry process the benchmark started and talks to. */
export interface Endpoint {
  url: string;
  client: RegistryClient;
  /** The processes serving it (one, or a primary and its workers). */
  pids(): number[];
}

/** One of the registries compared: Berth or Distribution, on filesystem or S3 storage. */
export interface RegistryTarget extends Endpoint {
  /** e.g. `berth-fs`. */
  readonly id: string;
  readonly flavor: Flavor;
  readonly storage: Storage;
  /** How it was configured, for the report. */
  readonly description: string;
  /** Makes many tags in the registry's own storage, where HTTP would take minutes. */
  readonly tagSeeder?: TagSeeder;
  /** The tail of what its processes printed (their logs at level warn and above). */
  log(): string;
  /** A second Berth process on the same backends serving pulls by presigned redirect. */
  readonly redirectPod?: Endpoint;
  stop(): Promise<void>;
}

/** The tags `prefix` + 1..`count`, each number zero-padded to `width` digits (t0000001, t0000002, ...). */
export interface NumberedTags {
  prefix: string;
  width: number;
  count: number;
}

export const numberedTag = (tags: Omit<NumberedTags, 'count'>, number: number): string =>
  `${tags.prefix}${String(number).padStart(tags.width, '0')}`;

/** Setup only: what it makes is then used over HTTP like anything pushed. */
export interface TagSeeder {
  /** How the tags are made, for the report's notes. */
  readonly method: string;
  /** Gives the manifest that `existingTag` names in `repository` the tags `tags` describes too. */
  seed(repository: string, existingTag: string, tags: NumberedTags): Promise<void>;
}

export const targetId = (flavor: Flavor, storage: Storage): string => `${flavor}-${storage}`;
export const ALL_TARGET_IDS = ['berth-fs', 'berth-s3', 'distribution-fs', 'distribution-s3'] as const;
export type TargetId = (typeof ALL_TARGET_IDS)[number];
