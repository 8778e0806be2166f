export * from './port';
export * from './create-coordinator';
export * from './memory/memory-coordinator';
export type { RedisCoordinatorOptions } from './redis/redis-coordinator';
export { redisOptionsSchema, type RedisOptions } from './redis/redis-options';
