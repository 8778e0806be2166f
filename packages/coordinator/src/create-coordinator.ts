import type { Coordinator } from './coordinator';
import { MemoryCoordinator } from './memory/memory-coordinator';
import { RedisCoordinator, type RedisCoordinatorOptions } from './redis/redis-coordinator';

/** Which coordinator adapter to use, with its settings. */
export type CoordinatorConfig = ({ driver: 'redis' } & RedisCoordinatorOptions) | { driver: 'memory' };

type Driver = CoordinatorConfig['driver'];
type DriverConfig<D extends Driver> = Extract<CoordinatorConfig, { driver: D }>;

const factories: { [D in Driver]: (config: DriverConfig<D>) => Coordinator } = {
  redis: ({ driver: _driver, ...options }) => new RedisCoordinator(options),
  memory: () => new MemoryCoordinator(),
};

/** Builds the coordinator adapter named by `config.driver`. */
export function createCoordinator(config: CoordinatorConfig): Coordinator {
  // TypeScript cannot tie the factory chosen by `config.driver` to the narrowed config type.
  const factory = factories[config.driver] as (config: CoordinatorConfig) => Coordinator;
  return factory(config);
}
