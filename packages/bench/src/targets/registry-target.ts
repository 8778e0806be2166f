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
  /** Berth's PostgreSQL database, for setup that HTTP would make too slow. */
  readonly databaseUrl?: string;
  /** The tail of what its processes printed (their logs at level warn and above). */
  log(): string;
  /** A second Berth process on the same backends serving pulls by presigned redirect. */
  readonly redirectPod?: Endpoint;
  stop(): Promise<void>;
}

export const targetId = (flavor: Flavor, storage: Storage): string => `${flavor}-${storage}`;
export const ALL_TARGET_IDS = ['berth-fs', 'berth-s3', 'distribution-fs', 'distribution-s3'] as const;
export type TargetId = (typeof ALL_TARGET_IDS)[number];
