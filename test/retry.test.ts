import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  parseRetryAfterMs,
  resolveRetryPolicy,
  retryDelayMs,
} from "../src/api/retry";
import { ConfigurationError } from "../src/api/errors";

describe("retry policy", () => {
  it.each([408, 429, 500, 502, 503, 504])("retries HTTP %i", (status) => {
    expect(isRetryable({ type: "http", status })).toBe(true);
  });

  it.each([400, 401, 403, 404, 409, 501])("does not retry HTTP %i", (status) => {
    expect(isRetryable({ type: "http", status })).toBe(false);
  });

  it("retries timeouts and connection errors, but not TLS failures, protocol violations or bad bodies", () => {
    expect(isRetryable({ type: "timeout" })).toBe(true);
    expect(isRetryable({ type: "connection" })).toBe(true);
    expect(isRetryable({ type: "tls" })).toBe(false);
    expect(isRetryable({ type: "protocol" })).toBe(false);
    expect(isRetryable({ type: "invalid_response" })).toBe(false);
    expect(isRetryable({ type: "response_too_large" })).toBe(false);
  });

  it("doubles the backoff up to the cap, with at most 25% jitter off", () => {
    const noJitter = () => 0;
    const fullJitter = () => 1;
    expect(
      [0, 1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, DEFAULT_RETRY_POLICY, noJitter)),
    ).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(backoffDelayMs(1, DEFAULT_RETRY_POLICY, fullJitter)).toBe(750);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelayMs(2, DEFAULT_RETRY_POLICY);
      expect(delay).toBeGreaterThanOrEqual(1500);
      expect(delay).toBeLessThanOrEqual(2000);
    }
  });

  it("prefers the server's Retry-After, capped", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, retryAfterCapMs: 5_000 };
    expect(retryDelayMs({ type: "http", status: 429, retryAfterMs: 1_200 }, 0, policy)).toBe(1_200);
    expect(retryDelayMs({ type: "http", status: 429, retryAfterMs: 90_000 }, 0, policy)).toBe(
      5_000,
    );
    expect(retryDelayMs({ type: "http", status: 503 }, 0, policy, () => 0)).toBe(500);
  });

  it("reads Retry-After as seconds, an HTTP date, or retry-after-ms", () => {
    const now = Date.parse("2026-11-27T10:00:00Z");
    expect(parseRetryAfterMs("3", undefined, now)).toBe(3_000);
    expect(parseRetryAfterMs("Fri, 27 Nov 2026 10:00:07 GMT", undefined, now)).toBe(7_000);
    expect(parseRetryAfterMs("Fri, 27 Nov 2026 09:00:00 GMT", undefined, now)).toBe(0);
    expect(parseRetryAfterMs("3", "250", now)).toBe(250);
    expect(parseRetryAfterMs("soon", undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs("-1", undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, undefined, now)).toBeUndefined();
  });

  it("builds a policy from maxRetries and backoff overrides, checking each", () => {
    expect(resolveRetryPolicy(2, { initialDelayMs: 10 })).toEqual({
      ...DEFAULT_RETRY_POLICY,
      maxRetries: 2,
      initialDelayMs: 10,
    });
    expect(resolveRetryPolicy(4, { maxDelayMs: undefined })).toEqual(DEFAULT_RETRY_POLICY);
    expect(() => resolveRetryPolicy(4, { maxDelayMs: -1 })).toThrow(
      /^retry\.maxDelayMs must be an integer from 0 to 2147483647 \(got -1\)/,
    );
    expect(() => resolveRetryPolicy(4, { retryAfterCapMs: 0.5 })).toThrow(ConfigurationError);
  });

  it("refuses retry.maxRetries, pointing at the top-level maxRetries", () => {
    expect(() => resolveRetryPolicy(4, { maxRetries: 1 } as never)).toThrow(
      new ConfigurationError(
        "retry.maxRetries is not an option: set the retry count with the top-level maxRetries option.",
      ),
    );
  });
});
