/**
 * Retry policy, in one place: what is retried, how long to wait, and how `Retry-After` is read.
 * Pure functions, so they are unit-tested without a network.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { CONNECTION_DEFAULTS, MAX_TIMER_MS, requireInteger } from "./connection";
import { ConfigurationError, CoreweaveError } from "./errors";
import { withoutUndefined } from "./text";

export interface RetryPolicy {
  /**
   * Retries after the first attempt: the connection option `maxRetries`, copied for completeness.
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
 * The policy for `maxRetries` (checked by `resolveConnection`) and backoff overrides, checked
 * here. `retry.maxRetries` is refused, not silently ignored: the count is a connection option.
 */
export function resolveRetryPolicy(maxRetries: number, backoff: BackoffOptions = {}): RetryPolicy {
  if ((backoff as Partial<RetryPolicy>).maxRetries !== undefined) {
    throw new ConfigurationError(
      "retry.maxRetries is not an option: set the retry count with the top-level maxRetries option.",
    );
  }
  const merged = { ...DEFAULT_RETRY_POLICY, ...withoutUndefined(backoff) };
  const checked = (name: keyof BackoffOptions): number =>
    requireInteger(`retry.${name}`, merged[name], 0, MAX_TIMER_MS);
  return {
    maxRetries,
    initialDelayMs: checked("initialDelayMs"),
    maxDelayMs: checked("maxDelayMs"),
    retryAfterCapMs: checked("retryAfterCapMs"),
  };
}

/**
 * Why one attempt did not yield a deployment, as far as retrying is concerned: the part of a
 * `FailedAttempt` (failures.ts) that retrying reads, so this module stays below the classifier
 * (which reads `Retry-After` with {@link parseRetryAfterMs}).
 */
export type AttemptFailure =
  | { readonly type: "http"; readonly status: number; readonly retryAfterMs?: number }
  | { readonly type: "timeout" | "connection" | "tls" | "protocol" }
  | { readonly type: "invalid_response" | "response_too_large" };

/**
 * The one retry rule, for a failed attempt (the client's next attempt) and for the error a call
 * ended with (a waiter's next poll) alike. Retried: 408, 429, 5xx except 501 (Unimplemented will
 * not get better), timeouts and connection failures (refused, reset, DNS). Final: every other HTTP
 * status, TLS failures (a certificate will not get better by itself), protocol violations (a server
 * that does not speak HTTP will not start to), unusable bodies and bad input.
 */
export function isRetryable(failure: AttemptFailure | CoreweaveError): boolean {
  const [kind, httpStatus] =
    failure instanceof CoreweaveError
      ? [failure.kind, failure.httpStatus]
      : [failure.type, failure.type === "http" ? failure.status : undefined];
  if (kind === "timeout" || kind === "connection") return true;
  return (
    httpStatus !== undefined &&
    (httpStatus === 408 || httpStatus === 429 || (httpStatus >= 500 && httpStatus !== 501))
  );
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

/**
 * Waits `ms` milliseconds before a retry or the next poll. An abort ends the wait at once,
 * rejecting with the signal's reason, as an aborted request does (not with Node's `AbortError`).
 */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}
