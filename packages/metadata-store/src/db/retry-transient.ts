// serialization_failure and deadlock_detected: PostgreSQL aborted the transaction and expects the
// client to run it again.
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

/** Runs a transaction, and runs it again when PostgreSQL aborted it only because of a concurrent one. */
export async function retryTransient<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isTransient(error)) throw error;
    }
  }
}

function isTransient(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    TRANSIENT_SQLSTATES.has(String(error.code))
  );
}
