/**
 * How many HTTP requests a client has in flight at once, and the limiter that holds it to that:
 * every lookup of a batch (prefetch), `get` and `wait` of many deployments, and `lookups record`
 * share one client, so they share its limit.
 */

/**
 * Requests in flight at once: 100 deployments cost 4 round trips, and a fleet never opens more
 * connections than this. A 429 from the API is retried after its Retry-After like any other.
 */
export const MAX_REQUESTS_IN_FLIGHT = 32;

/** Runs a task once a slot is free; `signal` takes a task that is still queued off the queue. */
export type Limiter = <T>(task: () => Promise<T>, signal?: AbortSignal) => Promise<T>;

/** A limiter that runs at most `limit` tasks at once, the others in the order they came. */
export function concurrencyLimit(limit: number): Limiter {
  let active = 0;
  const queue: (() => void)[] = [];
  // A finished task hands its slot to the next queued one directly: were the slot freed first, a
  // task arriving before the queued one resumes could take it, and both would run.
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else active--;
  };
  const slot = (signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      const start = () => {
        signal?.removeEventListener("abort", abandon);
        resolve();
      };
      const abandon = () => {
        queue.splice(queue.indexOf(start), 1);
        reject(signal?.reason);
      };
      queue.push(start);
      signal?.addEventListener("abort", abandon, { once: true });
    });
  return async (task, signal) => {
    signal?.throwIfAborted();
    if (active < limit) active++;
    else await slot(signal);
    try {
      return await task();
    } finally {
      release();
    }
  };
}
