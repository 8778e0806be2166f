import type { Sizes } from './options';
import type { Payload } from './oci/payload';
import type { RegistryTarget } from './targets/registry-target';
import type { S3rverInstance } from './targets/s3rver';

/** A figure a scenario reports, and which way is better. */
export interface MetricSpec {
  id: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  /** Measured once per target (e.g. while preparing), not per repetition. */
  once?: boolean;
  /** CPU accounting, printed in a section of its own rather than in the comparison table. */
  cpu?: boolean;
}

/** One measured value. */
export interface Figure {
  metric: string;
  value: number;
  /** Anything worth keeping beside the value (error counts, byte totals). */
  detail?: Record<string, number | string>;
}

/** What scenarios share within a benchmark run. */
export interface ScenarioContext {
  sizes: Sizes;
  /** The current repetition, from 0. */
  rep: number;
  /** A seed unique to this benchmark run, repetition and `label`; the same for every target. */
  seed(label: string): string;
  /** The payload of `size` bytes for `label` in this repetition; the same for every target. */
  payload(label: string, size: number): Payload;
  /** The large blob each target holds after the push scenario, for the pull scenario. */
  pushedBlobs: Map<string, Payload>;
  s3?: S3rverInstance;
  /** How Berth's processes are started, for scenarios that start Berth deployments of their own. */
  berth: { workers: number; cpuProfileDir?: string };
  /** Reports a long step as it starts, on the progress stream. */
  progress(line: string): void;
}

/** A measurement run against every registry it applies to, once per repetition. */
export interface Scenario {
  id: string;
  title: string;
  metrics: MetricSpec[];
  /** Resident memory of the target's processes is watched while it runs. */
  watchMemory?: boolean;
  appliesTo(target: RegistryTarget): boolean;
  /** Untimed setup, once per target before its first repetition; may report `once` metrics. */
  prepare?(target: RegistryTarget, context: ScenarioContext): Promise<Figure[]>;
  run(target: RegistryTarget, context: ScenarioContext): Promise<Figure[]>;
}

/** A measurement of the machine itself, not of a registry. */
export interface Baseline {
  id: string;
  title: string;
  metrics: MetricSpec[];
  needsS3?: boolean;
  run(context: ScenarioContext): Promise<Figure[]>;
}

/** Repository names: one per scenario, so scenarios never see each other's data. */
export const repositoryFor = (scenario: string): string => `bench/${scenario}`;
