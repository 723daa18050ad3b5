/**
 * Retry policy, in one place: what is retried, how long to wait, and how `Retry-After` is read.
 * Pure functions, so they are unit-tested without a network.
 */
import { MAX_TIMER_MS, requireInteger } from "./config";
import { withoutUndefined } from "./plain-data";
import { CONNECTION_DEFAULTS } from "./connection";
import { ConfigurationError, type CoreweaveError } from "./errors";

export interface RetryPolicy {
  /**
   * Retries after the first attempt: the connection option `maxRetries`, copied here so the
   * policy is complete. Not a backoff setting; set it through `maxRetries`.
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

/** The backoff settings, which a client may tune (`maxRetries` is a connection option). */
export type BackoffOptions = Partial<Omit<RetryPolicy, "maxRetries">>;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: CONNECTION_DEFAULTS.maxRetries,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  retryAfterCapMs: 30_000,
};

/**
 * The policy for `maxRetries` (already checked by `resolveConnection`) and backoff overrides,
 * each checked here. `retry.maxRetries`, the old place of the retry count, is refused with a
 * pointer to `maxRetries` rather than silently ignored.
 */
export function resolveRetryPolicy(maxRetries: number, backoff: BackoffOptions = {}): RetryPolicy {
  if ((backoff as Partial<RetryPolicy>).maxRetries !== undefined) {
    throw new ConfigurationError(
      "retry.maxRetries is not an option: set the retry count with the top-level maxRetries option.",
    );
  }
  const merged = { ...DEFAULT_RETRY_POLICY, ...withoutUndefined(backoff) };
  return {
    maxRetries,
    initialDelayMs: requireInteger("retry.initialDelayMs", merged.initialDelayMs, 0, MAX_TIMER_MS),
    maxDelayMs: requireInteger("retry.maxDelayMs", merged.maxDelayMs, 0, MAX_TIMER_MS),
    retryAfterCapMs: requireInteger(
      "retry.retryAfterCapMs",
      merged.retryAfterCapMs,
      0,
      MAX_TIMER_MS,
    ),
  };
}

/**
 * Why one attempt did not yield a deployment, as far as retrying is concerned. `tls` and
 * `protocol` are failures to get a usable HTTP answer that retrying cannot fix.
 */
export type AttemptFailure =
  | { readonly type: "http"; readonly status: number; readonly retryAfterMs?: number }
  | { readonly type: "timeout" }
  | { readonly type: "connection" }
  | { readonly type: "tls" }
  | { readonly type: "protocol" }
  | { readonly type: "invalid_response" }
  | { readonly type: "response_too_large" };

/**
 * Retried: 408, 429, 5xx except 501 (Unimplemented will not get better), timeouts and connection
 * failures (refused, reset, DNS). Final: every other HTTP status, TLS failures (a certificate
 * will not get better by itself), protocol violations (a server that does not speak HTTP will not
 * start to) and unusable bodies.
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
    case "connection":
      return true;
    case "tls":
    case "protocol":
    case "invalid_response":
    case "response_too_large":
      return false;
  }
}

/**
 * Whether a failed call is worth making again later (a waiter's next poll): the same rules as
 * for attempts, read from the final error. Bad input, 404, TLS and protocol failures are not.
 */
export function isRetryableError(error: CoreweaveError): boolean {
  if (error.kind === "timeout" || error.kind === "connection") return true;
  return error.httpStatus !== undefined && isRetryable({ type: "http", status: error.httpStatus });
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
