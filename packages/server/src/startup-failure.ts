import { BackendUnavailableError } from '@berth/backend-errors';
import path from 'node:path';
import { envNameOf } from './config/load';
import type { Config } from './config/schema';

/** One of the three ports a registry opens at start. */
export type BackendName = 'blobs' | 'metadata' | 'coordinator';

/** Start-up cannot go on; the message names the resource at fault and the setting that chose it. */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/**
 * Runs one start-up step on a backend. Its failure becomes a StartupError saying which resource
 * failed, how (`failure`, e.g. "cannot be opened"), why, and which setting names the resource,
 * so that the one line an operator reads says what to fix.
 */
export async function startupStep<T>(
  config: Config,
  backend: BackendName,
  failure: string,
  step: () => Promise<T> | T,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const { resource, setting } = describeBackend(config, backend);
    throw new StartupError(
      `${resource} ${failure}: ${reasonOf(error)} (${setting.join('.')}, ${envNameOf(setting)})`,
      { cause: error },
    );
  }
}

function describeBackend(config: Config, backend: BackendName): { resource: string; setting: string[] } {
  switch (backend) {
    case 'blobs':
      return config.blobs.driver === 'filesystem'
        ? {
            resource: `the blob root ${path.resolve(config.blobs.filesystem.root)}`,
            setting: ['blobs', 'filesystem', 'root'],
          }
        : { resource: `the S3 bucket ${config.blobs.s3.bucket ?? ''}`, setting: ['blobs', 's3', 'bucket'] };
    case 'metadata':
      return config.metadata.driver === 'pglite'
        ? {
            resource: `the PGlite data directory ${path.resolve(config.metadata.pglite.dataDir)}`,
            setting: ['metadata', 'pglite', 'dataDir'],
          }
        : // The URL may hold a password: named by its setting only.
          { resource: 'the PostgreSQL database', setting: ['metadata', 'postgres', 'url'] };
    case 'coordinator':
      return config.coordinator.driver === 'memory'
        ? { resource: 'the in-memory coordinator', setting: ['coordinator', 'driver'] }
        : { resource: 'Redis', setting: ['coordinator', 'redis', 'url'] };
  }
}

/** The error's own words; a connection refused on every address pg tried has them only inside. */
function reasonOf(error: unknown): string {
  // The outage says which backend; the sentence around it says that already, the driver says why.
  if (error instanceof BackendUnavailableError) return reasonOf(error.cause);
  if (!(error instanceof Error)) return String(error);
  if (error.message !== '') return error.message;
  if (error instanceof AggregateError) return error.errors.map(reasonOf).join('; ');
  return (error as NodeJS.ErrnoException).code ?? error.name;
}
