import type { Coordinator } from './coordinator';
import { MemoryCoordinator } from './memory/memory-coordinator';
import { RedisCoordinator, type RedisCoordinatorOptions } from './redis/redis-coordinator';

/**
 * Redis deadlines in milliseconds, as the server's registry.ts still passes them. Transitional:
 * once it passes `config.coordinator.redis` as it is (the settings take seconds), this goes.
 */
interface MillisecondDeadlines {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

/** Which coordinator adapter to use, with its settings (checked by the driver's schema). */
export type CoordinatorConfig =
  ({ driver: 'redis' } & RedisCoordinatorOptions & MillisecondDeadlines) | { driver: 'memory' };

type Driver = CoordinatorConfig['driver'];
type DriverConfig<D extends Driver> = Extract<CoordinatorConfig, { driver: D }>;

const factories: { [D in Driver]: (config: DriverConfig<D>) => Coordinator } = {
  redis: ({ driver: _driver, connectTimeoutMs, commandTimeoutMs, ...options }) =>
    new RedisCoordinator({
      ...options,
      ...(connectTimeoutMs !== undefined ? { connectTimeoutSeconds: connectTimeoutMs / 1000 } : {}),
      ...(commandTimeoutMs !== undefined ? { commandTimeoutSeconds: commandTimeoutMs / 1000 } : {}),
    }),
  memory: () => new MemoryCoordinator(),
};

/** Builds the coordinator adapter named by `config.driver`. */
export function createCoordinator(config: CoordinatorConfig): Coordinator {
  // TypeScript cannot tie the factory chosen by `config.driver` to the narrowed config type.
  const factory = factories[config.driver] as (config: CoordinatorConfig) => Coordinator;
  return factory(config);
}
