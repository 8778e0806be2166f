import { Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';

/**
 * Errors that no handler caught. Each one is a bug (a stream error without a listener, a promise
 * nobody awaited), fixed where it arises; this counter and its log line are how one is noticed.
 * It belongs to the process, not to one app, so every app's registry shows it.
 */
const escapedErrors = new Counter({
  name: 'berth_escaped_errors_total',
  help: 'Errors that escaped every handler (uncaught exceptions and unhandled rejections); each is a bug.',
  labelNames: ['origin'],
  registers: [],
});
for (const origin of ['uncaughtException', 'unhandledRejection']) escapedErrors.inc({ origin }, 0);

/** Shows the escaped-error counter in a registry. */
export function registerEscapedErrors(registry: Registry): void {
  registry.registerMetric(escapedErrors);
}

/** The log message of an escaped error, which tests look for in a process's output. */
export const ESCAPED_ERROR_MESSAGE = 'an error escaped every handler';

/**
 * Keeps the process serving when an error escapes: one request's failure must not end every
 * other request in the pod. The error is logged with its stack and counted.
 */
export function guardProcess(logger: Logger): void {
  process.on('uncaughtException', (error, origin) => {
    escapedErrors.inc({ origin });
    logger.error({ err: error, origin }, ESCAPED_ERROR_MESSAGE);
  });
}
