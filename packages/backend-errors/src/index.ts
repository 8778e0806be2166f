/** The ports whose adapters reach a backend over the network. */
export type BackendName = 'blobs' | 'metadata' | 'coordinator';

/**
 * A backend cannot be reached or does not answer right now (refused or dropped connections,
 * deadlines passed, the server shutting down or overloaded); the same call may succeed later.
 * Every adapter reports such failures with this one error, its driver's own error as the cause,
 * so that callers tell an outage from a bug without knowing any driver's error shapes.
 */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    cause: unknown,
  ) {
    super(`${backend} backend unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'BackendUnavailableError';
  }
}

// What sockets say when the far end is unreachable or went away.
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Whether `error` is a socket's own failure to reach the far end. */
export function isNetworkFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
}

/**
 * Runs `call`, turning a failure that `isOutage` recognises into BackendUnavailableError. An
 * error already of that kind passes as it is.
 */
export async function reportingOutages<T>(
  backend: BackendName,
  isOutage: (error: unknown) => boolean,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof BackendUnavailableError) && isOutage(error)) {
      throw new BackendUnavailableError(backend, error);
    }
    throw error;
  }
}
