import type { Coordinator } from '@berth/coordinator';
import { timedMethods, type MethodName, type OperationMetrics } from './timed-methods';

// Every method of the port: one added to Coordinator and missing here fails to compile below.
const OPERATIONS = [
  'get',
  'create',
  'compareAndSet',
  'set',
  'delete',
  'acquireLock',
  'extendLock',
  'releaseLock',
  'takeTokens',
  'publish',
  'subscribe',
  'checkHealth',
  'close',
] as const satisfies readonly MethodName<Coordinator>[];

/** The coordinator with every call timed and every failure counted. */
export function instrumentCoordinator(coordinator: Coordinator, metrics: OperationMetrics): Coordinator {
  return { kind: coordinator.kind, ...timedMethods(coordinator, OPERATIONS, metrics) };
}
