/**
 * Retry policy, in one place: what is retried, how long to wait, and how `Retry-After` is read.
 * Pure functions, so they are unit-tested without a network.
 */

export interface RetryPolicy {
  /**
   * Retries after the first attempt.
   * @default 4
   */
  readonly maxRetries: number;
  /**
   * Backoff before the first retry, in milliseconds; doubles each retry.
   * @default 500
   */
  readonly initialDelayMs: number;
  /**
   * Upper bound of the exponential backoff, in milliseconds.
   * @default 8000
   */
  readonly maxDelayMs: number;
  /**
   * A server's `Retry-After` is honoured up to this many milliseconds.
   * @default 30000
   */
  readonly retryAfterCapMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  retryAfterCapMs: 30_000,
};

/** Why one attempt did not yield a deployment. */
export type AttemptFailure =
  | { readonly type: "http"; readonly status: number; readonly retryAfterMs?: number }
  | { readonly type: "timeout" }
  | { readonly type: "connection"; readonly tls: boolean }
  | { readonly type: "invalid_response" }
  | { readonly type: "response_too_large" };

/**
 * Retried: 408, 429, 5xx except 501 (Unimplemented will not get better), timeouts and connection
 * failures other than TLS (a bad certificate will not get better either). Everything else is final.
 */
export function isRetryable(failure: AttemptFailure): boolean {
  switch (failure.type) {
    case "http":
      return (
        failure.status === 408 ||
        failure.status === 429 ||
        (failure.status >= 500 && failure.status !== 501)
      );
    case "timeout":
      return true;
    case "connection":
      return !failure.tls;
    default:
      return false;
  }
}

/**
 * Exponential backoff with jitter: `min(initial * 2^retry, max)`, reduced by up to 25% at random
 * so that many CI jobs retrying at once spread out.
 */
export function backoffDelayMs(
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.initialDelayMs * 2 ** retry, policy.maxDelayMs);
  return Math.round(base * (1 - 0.25 * random()));
}

/** The wait before retry number `retry` (0-based): the server's word if it gave one, capped. */
export function retryDelayMs(
  failure: AttemptFailure,
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  if (failure.type === "http" && failure.retryAfterMs !== undefined) {
    return Math.min(failure.retryAfterMs, policy.retryAfterCapMs);
  }
  return backoffDelayMs(retry, policy, random);
}

/**
 * Reads `retry-after-ms` (milliseconds) or `Retry-After` (delta-seconds or an HTTP-date).
 * Returns undefined when absent or unreadable, so the caller falls back to backoff.
 */
export function parseRetryAfterMs(
  retryAfter: string | undefined,
  retryAfterMs?: string,
  now: number = Date.now(),
): number | undefined {
  if (retryAfterMs !== undefined && /^\d+(\.\d+)?$/.test(retryAfterMs.trim())) {
    return Number(retryAfterMs.trim());
  }
  if (retryAfter === undefined) return undefined;
  const value = retryAfter.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP-date has a weekday and month name; anything else ("-1", "1.5") is unreadable.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
