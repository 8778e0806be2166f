import { Router } from 'express';

/** A backend the readiness check probes. */
export interface HealthProbe {
  name: string;
  check(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 2_000;

async function probe(check: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return (error as Error).message || 'failed';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz` says the process is alive; `/readyz` says it can serve: not shutting down, and
 * every backend answering.
 */
export function createHealthRoutes({
  probes,
  isDraining,
}: {
  probes: HealthProbe[];
  isDraining: () => boolean;
}) {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      probes.map(async ({ name, check }) => [name, await probe(check)] as const),
    );
    const checks = Object.fromEntries(results);
    const ready = !isDraining() && results.every(([, result]) => result === 'ok');
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : isDraining() ? 'draining' : 'unavailable', checks });
  });
  return router;
}
