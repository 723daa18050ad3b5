import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request, type Dispatcher } from "undici";
import { MAX_TIMER_MS, requireInteger, resolveApiToken, resolveEndpoint } from "./config";
import { encodeDeploymentId } from "./deployment-id";
import {
  ApiConnectionError,
  ApiTimeoutError,
  type CoreweaveError,
  errorFromHttpStatus,
  InvalidResponseError,
  ResponseTooLargeError,
  redactSecret,
  sanitizeText,
  summarizeRpcStatus,
} from "./errors";
import {
  type AttemptFailure,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  parseRetryAfterMs,
  type RetryPolicy,
  retryDelayMs,
} from "./retry";
import { type Deployment, parseGetDeploymentResponse } from "./schema";

export interface CoreweaveClientOptions {
  /**
   * Base URL of the CoreWeave API.
   * @default process.env.COREWEAVE_API_ENDPOINT, else "https://api.coreweave.com"
   */
  readonly endpoint?: string;
  /**
   * CoreWeave API access token. Held in a private field; never logged or serialised.
   * @default process.env.COREWEAVE_API_TOKEN
   */
  readonly apiToken?: string;
  /**
   * Time limit of one HTTP attempt, from connect to the last body byte.
   * @default 10000
   */
  readonly attemptTimeoutMs?: number;
  /**
   * Time limit of the whole lookup, retries and waits included. A hung server fails with
   * `ApiTimeoutError` after this long.
   * @default 60000
   */
  readonly deadlineMs?: number;
  /**
   * Retry policy overrides.
   * @default DEFAULT_RETRY_POLICY (4 retries, 500 ms doubling to 8 s, Retry-After capped at 30 s)
   */
  readonly retry?: Partial<RetryPolicy>;
  /**
   * Largest response body read, in bytes. Reading stops at the cap.
   * @default 1048576 (1 MiB)
   */
  readonly maxResponseBytes?: number;
  /**
   * Environment to read `COREWEAVE_API_*` from.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
}

export const CLIENT_DEFAULTS = {
  attemptTimeoutMs: 10_000,
  deadlineMs: 60_000,
  maxResponseBytes: 1024 * 1024,
} as const;

type AttemptOutcome =
  | { readonly ok: true; readonly deployment: Deployment }
  | {
      readonly ok: false;
      readonly failure: AttemptFailure;
      /** Builds the final error once we know how many attempts were made. */
      readonly toError: (attempts: number) => CoreweaveError;
    };

/**
 * Reads CoreWeave inference deployments over HTTPS with bounded retries, timeouts and body size.
 * Free of CDKTF, so it serves CLIs and other tools too.
 */
export class CoreweaveInferenceClient {
  readonly endpoint: URL;
  readonly attemptTimeoutMs: number;
  readonly deadlineMs: number;
  readonly maxResponseBytes: number;
  readonly retryPolicy: RetryPolicy;
  // An ES private field: invisible to util.inspect, JSON.stringify and Object.keys.
  readonly #token: string;
  readonly #agent: Agent;

  constructor(options: CoreweaveClientOptions = {}) {
    const env = options.env ?? process.env;
    this.endpoint = resolveEndpoint(options.endpoint, env);
    this.#token = resolveApiToken(options.apiToken, env);
    this.attemptTimeoutMs = requireInteger(
      "attemptTimeoutMs",
      options.attemptTimeoutMs ?? CLIENT_DEFAULTS.attemptTimeoutMs,
      1,
      MAX_TIMER_MS,
    );
    this.deadlineMs = requireInteger(
      "deadlineMs",
      options.deadlineMs ?? CLIENT_DEFAULTS.deadlineMs,
      1,
      MAX_TIMER_MS,
    );
    this.maxResponseBytes = requireInteger(
      "maxResponseBytes",
      options.maxResponseBytes ?? CLIENT_DEFAULTS.maxResponseBytes,
      1,
    );
    const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.retryPolicy = {
      maxRetries: requireInteger("retry.maxRetries", retry.maxRetries, 0),
      initialDelayMs: requireInteger("retry.initialDelayMs", retry.initialDelayMs, 0, MAX_TIMER_MS),
      maxDelayMs: requireInteger("retry.maxDelayMs", retry.maxDelayMs, 0, MAX_TIMER_MS),
      retryAfterCapMs: requireInteger(
        "retry.retryAfterCapMs",
        retry.retryAfterCapMs,
        0,
        MAX_TIMER_MS,
      ),
    };
    this.#agent = new Agent({
      connect: { timeout: this.attemptTimeoutMs },
      headersTimeout: this.attemptTimeoutMs,
      bodyTimeout: this.attemptTimeoutMs,
    });
  }

  /** `GET /v1alpha1/inference/deployments/{id}`, validated. Throws a `CoreweaveError` subclass. */
  async getDeployment(deploymentId: string): Promise<Deployment> {
    const url = new URL(
      `v1alpha1/inference/deployments/${encodeDeploymentId(deploymentId)}`,
      this.endpoint,
    );
    const deadline = Date.now() + this.deadlineMs;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - Date.now();
      const limitedByDeadline = remaining < this.attemptTimeoutMs;
      const outcome = await this.#attempt(url, deploymentId, Math.max(1, remaining));
      if (outcome.ok) return outcome.deployment;
      const exhausted = !isRetryable(outcome.failure) || attempt > this.retryPolicy.maxRetries;
      if (exhausted) throw this.#final(outcome, deploymentId, attempt, limitedByDeadline);
      const delay = retryDelayMs(outcome.failure, attempt - 1, this.retryPolicy);
      // Waiting past the deadline only delays the same answer: stop now with the last error.
      if (Date.now() + delay >= deadline) throw this.#final(outcome, deploymentId, attempt, true);
      await sleep(delay);
    }
  }

  /** Releases pooled connections. The client cannot be used afterwards. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  #final(
    outcome: Extract<AttemptOutcome, { ok: false }>,
    deploymentId: string,
    attempts: number,
    deadlineReached: boolean,
  ): CoreweaveError {
    if (outcome.failure.type === "timeout" && deadlineReached) {
      return new ApiTimeoutError(
        `CoreWeave GET deployment "${deploymentId}" timed out: no complete answer from ` +
          `${this.endpoint.origin} within the overall deadline of ${this.deadlineMs} ms ` +
          `(${countAttempts(attempts)}). Check that COREWEAVE_API_ENDPOINT is ` +
          "reachable from this machine, or raise deadlineMs.",
        { deploymentId, attempts },
      );
    }
    return outcome.toError(attempts);
  }

  async #attempt(url: URL, deploymentId: string, budgetMs: number): Promise<AttemptOutcome> {
    const timeoutMs = Math.min(this.attemptTimeoutMs, budgetMs);
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Dispatcher.ResponseData;
    let body: Buffer | undefined;
    try {
      response = await request(url, {
        method: "GET",
        dispatcher: this.#agent,
        signal,
        headers: {
          authorization: `Bearer ${this.#token}`,
          accept: "application/json",
          "user-agent": "cdktf-coreweave-inference",
        },
      });
      body = await readBounded(response.body, this.maxResponseBytes);
    } catch (error) {
      return this.#transportFailure(error, signal.aborted, deploymentId, timeoutMs);
    }
    const { statusCode, headers } = response;
    const isSuccess = statusCode >= 200 && statusCode < 300;
    // An oversized error page (a proxy's HTML 503) is judged by its status, not its size.
    if (body === undefined && isSuccess) {
      return {
        ok: false,
        failure: { type: "response_too_large" },
        toError: (attempts) =>
          new ResponseTooLargeError(
            `CoreWeave GET deployment "${deploymentId}": HTTP ${statusCode} response body exceeds ` +
              `${this.maxResponseBytes} bytes; reading stopped at the cap. If such a large ` +
              "deployment is expected, raise maxResponseBytes.",
            { deploymentId, httpStatus: statusCode, attempts },
          ),
      };
    }
    const json = body && parseJson(body);
    if (isSuccess) {
      return this.#parseSuccess(json, statusCode, deploymentId);
    }
    const rpc = summarizeRpcStatus(json, (text) => redactSecret(text, this.#token));
    return {
      ok: false,
      failure: {
        type: "http",
        status: statusCode,
        retryAfterMs:
          parseRetryAfterMs(header(headers, "retry-after"), header(headers, "retry-after-ms")) ??
          rpc.retryDelayMs,
      },
      toError: (attempts) => errorFromHttpStatus(statusCode, rpc, deploymentId, attempts),
    };
  }

  #parseSuccess(json: unknown, statusCode: number, deploymentId: string): AttemptOutcome {
    const invalid = (why: string): AttemptOutcome => ({
      ok: false,
      failure: { type: "invalid_response" },
      toError: (attempts) =>
        new InvalidResponseError(
          `CoreWeave GET deployment "${deploymentId}" returned HTTP ${statusCode} with an invalid ` +
            `body: ${why}. Check that COREWEAVE_API_ENDPOINT points at the CoreWeave Inference ` +
            "API; if it does, the API changed in a way this library does not understand: upgrade " +
            "cdktf-coreweave-inference or report it.",
          { deploymentId, httpStatus: statusCode, attempts },
        ),
    });
    if (json === undefined) return invalid("it is not JSON");
    const parsed = parseGetDeploymentResponse(json);
    if (!parsed.ok) {
      const shown = parsed.violations.slice(0, 5).map((v) => `${v.path} ${v.problem}`);
      const more =
        parsed.violations.length > 5 ? ` (and ${parsed.violations.length - 5} more)` : "";
      // Paths hold keys of free-form maps (engineConfig), which come from the body.
      return invalid(redactSecret(`${shown.join("; ")}${more}`, this.#token));
    }
    if (parsed.deployment.spec.id !== deploymentId) {
      return invalid(`it describes a different deployment (deployment.spec.id does not match)`);
    }
    return { ok: true, deployment: parsed.deployment };
  }

  #transportFailure(
    error: unknown,
    timedOut: boolean,
    deploymentId: string,
    timeoutMs: number,
  ): AttemptOutcome {
    const code = errorCode(error);
    if (
      timedOut ||
      code === "UND_ERR_HEADERS_TIMEOUT" ||
      code === "UND_ERR_BODY_TIMEOUT" ||
      code === "UND_ERR_CONNECT_TIMEOUT"
    ) {
      return {
        ok: false,
        failure: { type: "timeout" },
        toError: (attempts) =>
          new ApiTimeoutError(
            `CoreWeave GET deployment "${deploymentId}" timed out: an attempt got no complete ` +
              `answer from ${this.endpoint.origin} within ${timeoutMs} ms ` +
              `(${countAttempts(attempts)}). Check the network path to ` +
              "COREWEAVE_API_ENDPOINT, or raise attemptTimeoutMs.",
            { deploymentId, attempts },
          ),
      };
    }
    const tls = /CERT|TLS|SSL/i.test(code ?? "");
    const detail = sanitizeText(
      redactSecret(error instanceof Error ? error.message : String(error), this.#token),
    );
    return {
      ok: false,
      failure: { type: "connection", tls },
      toError: (attempts) =>
        new ApiConnectionError(
          `CoreWeave GET deployment "${deploymentId}" could not reach ${this.endpoint.origin}: ` +
            `${code ? `${code}: ` : ""}${detail} (${countAttempts(attempts)}). ` +
            (tls
              ? "The TLS handshake failed: check the endpoint's certificate (not retried)."
              : "Check COREWEAVE_API_ENDPOINT and that this machine can reach it."),
          { deploymentId, attempts },
        ),
    };
  }
}

/** Reads a body up to `cap` bytes; returns undefined (and stops reading) past the cap. */
async function readBounded(
  body: Dispatcher.ResponseData["body"],
  cap: number,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > cap) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function countAttempts(attempts: number): string {
  return `${attempts} attempt${attempts === 1 ? "" : "s"}`;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

function header(headers: Dispatcher.ResponseData["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  return errorCode((error as { cause?: unknown }).cause);
}
