import cluster from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';

/** Messages between a worker's `GET /metrics` and the primary (over the cluster's IPC channel). */
const REQUEST = 'nest-sso:cluster-metrics-request';
const RESPONSE = 'nest-sso:cluster-metrics-response';
/** prom-client's own timeout for the workers' answers is 5 s; ours covers it. */
const TIMEOUT_MS = 6000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}
interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

/**
 * In a cluster worker: offers `registry` to the primary's aggregation (prom-client's
 * `AggregatorRegistry`, which asks every worker for its metrics over IPC). No-op elsewhere.
 */
export function joinClusterMetrics(registry: Registry): void {
  if (!cluster.isWorker) return;
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs the worker's listener that answers the primary.
  new AggregatorRegistry();
}

/**
 * In the primary: answers workers' requests for the metrics of the whole cluster (every worker's
 * registry, counters and histograms summed, per prom-client's aggregators).
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: MetricsRequest) => {
    if (message?.type !== REQUEST) return;
    const answer = (response: Omit<MetricsResponse, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: RESPONSE, id: message.id, ...response });
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (error: unknown) => answer({ error: (error as Error).message }),
    );
  });
}

let nextId = 0;
const pending = new Map<number, (response: MetricsResponse) => void>();
let listening = false;

/**
 * In a worker: the metrics of every worker of the cluster, in the Prometheus text format, from
 * the primary. Rejects after 6 s (a worker that does not answer).
 */
export function clusterMetrics(): Promise<string> {
  if (!listening) {
    listening = true;
    process.on('message', (message: MetricsResponse) => {
      if (message?.type === RESPONSE) pending.get(message.id)?.(message);
    });
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('The cluster primary did not answer with the metrics'));
    }, TIMEOUT_MS);
    pending.set(id, (response) => {
      clearTimeout(timer);
      pending.delete(id);
      if (response.text !== undefined) resolve(response.text);
      else reject(new Error(response.error ?? 'no metrics'));
    });
    process.send!({ type: REQUEST, id } satisfies MetricsRequest);
  });
}

/** Whether this process is a worker of a cluster (its `/metrics` then speaks for all workers). */
export const inClusterWorker = (): boolean => cluster.isWorker;
