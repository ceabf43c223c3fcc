import type { WrkResult } from './wrk';

/** What a loop measured: wrk's figures, plus what it did and what it cost the generator. */
export interface LoopResult extends WrkResult {
  /** Requests completed (answered, whatever the answer). */
  requests: number;
  /** Seconds from the first request to the last answer (less than asked if the work ran out). */
  seconds: number;
  /** CPU of this process (the load generator) per request, in ms: it shares the cores too. */
  generatorCpuMsPerRequest: number;
}

/**
 * One request of a loop: `true` for an expected answer, `false` for another (counted as
 * non-2xx), `null` when this worker has nothing left to send (it stops). A thrown error counts
 * as an error, as wrk's socket errors do.
 */
export type LoopTask = (worker: number) => Promise<boolean | null>;

/**
 * Runs `task` on `concurrency` workers, each sending its next request once the previous one is
 * answered, for `seconds` or until every worker runs out. For requests that wrk cannot repeat:
 * each needs a fresh authorization code, or the refresh token the previous answer returned.
 */
export async function loop(
  task: LoopTask,
  concurrency: number,
  seconds: number,
): Promise<LoopResult> {
  const latencies: number[] = [];
  let errors = 0;
  let unexpected = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const worker = async (index: number) => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      let outcome: boolean | null;
      try {
        outcome = await task(index);
      } catch {
        errors++;
        latencies.push(performance.now() - sent);
        continue;
      }
      if (outcome === null) return;
      latencies.push(performance.now() - sent);
      if (!outcome) unexpected++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) =>
    latencies.length === 0
      ? NaN
      : Math.round(
          latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 100,
        ) / 100;
  return {
    requestsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: percentile(0.5),
    p99Ms: percentile(0.99),
    errors,
    non2xx: unexpected,
    requests: latencies.length,
    seconds: elapsed,
    generatorCpuMsPerRequest:
      Math.round(((cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length)) * 100) / 100,
  };
}
