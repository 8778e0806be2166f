import type { BenchOptions } from '../options';
import { startBerth } from './berth';
import { startDistribution } from './distribution';
import type { RegistryTarget, TargetId } from './registry-target';
import type { S3rverInstance } from './s3rver';

/** Starts the registry a target id names, configured as the options say. */
export function startTarget(
  id: TargetId,
  options: BenchOptions,
  s3: S3rverInstance | undefined,
): Promise<RegistryTarget> {
  const storage = id.endsWith('-s3') ? 's3' : 'fs';
  const s3Option = s3 ? { s3 } : {};
  return id.startsWith('berth')
    ? startBerth({
        storage,
        workers: options.berthWorkers,
        ...s3Option,
        ...(options.berthCpuProfileDir ? { cpuProfileDir: options.berthCpuProfileDir } : {}),
      })
    : startDistribution({ storage, ...s3Option });
}
