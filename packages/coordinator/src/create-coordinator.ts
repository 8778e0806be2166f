import type { Coordinator } from './coordinator';
import { MemoryCoordinator } from './memory/memory-coordinator';
import type * as RedisDriver from './redis/redis-coordinator';
import type { RedisCoordinatorOptions } from './redis/redis-coordinator';

/**
 * The Redis adapter, loaded on first use: it brings ioredis (with the rest of the drivers, some
 * 19 MiB resident and a tenth of a second at start), which an in-memory coordinator never needs.
 */
export function loadRedisDriver(): typeof RedisDriver {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when used, see above
  return require('./redis/redis-coordinator') as typeof RedisDriver;
}

/** Which coordinator adapter to use, with its settings (checked by the driver's schema). */
export type CoordinatorConfig = ({ driver: 'redis' } & RedisCoordinatorOptions) | { driver: 'memory' };

type Driver = CoordinatorConfig['driver'];
type DriverConfig<D extends Driver> = Extract<CoordinatorConfig, { driver: D }>;

const factories: { [D in Driver]: (config: DriverConfig<D>) => Coordinator } = {
  redis: ({ driver: _driver, ...options }) => new (loadRedisDriver().RedisCoordinator)(options),
  memory: () => new MemoryCoordinator(),
};

/** Builds the coordinator adapter named by `config.driver`. */
export function createCoordinator(config: CoordinatorConfig): Coordinator {
  // TypeScript cannot tie the factory chosen by `config.driver` to the narrowed config type.
  const factory = factories[config.driver] as (config: CoordinatorConfig) => Coordinator;
  return factory(config);
}
