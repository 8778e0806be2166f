import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

// With http.workers above 1 every worker counts only what it served, and a scrape lands on any
// one of them. Workers ask the primary instead, which collects every worker's registry and sums
// them, so one scrape describes the whole pod and counters never appear to reset.

const REQUEST = 'berth:pod-metrics-request';
const RESPONSE = 'berth:pod-metrics-response';
const TIMEOUT_MS = 5_000;

interface PodMetricsMessage {
  type: string;
  id: string;
  body?: string;
  error?: string;
}

function isMessage(message: unknown, type: string): message is PodMetricsMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/** In the cluster primary: answers workers' requests with the sum of every worker's metrics. */
export function servePodMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage(message, REQUEST)) return;
    aggregator.clusterMetrics().then(
      (body) => worker.send({ type: RESPONSE, id: message.id, body }),
      (error: Error) => worker.send({ type: RESPONSE, id: message.id, error: error.message }),
    );
  });
}

/** In a cluster worker: offers this worker's registry to the primary's collection. */
export function sharePodMetrics(registry: Registry): void {
  // Constructing one is what makes prom-client answer the primary's collection requests.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

/** In a cluster worker: the whole pod's metrics, as the primary sums them. */
export function podMetrics(): Promise<string> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!isMessage(message, RESPONSE) || message.id !== id) return;
      settle();
      if (message.error !== undefined) reject(new Error(`pod metrics: ${message.error}`));
      else resolve(message.body ?? '');
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error('pod metrics: the primary did not answer'));
    }, TIMEOUT_MS);
    const settle = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    process.on('message', onMessage);
    process.send?.({ type: REQUEST, id });
  });
}
