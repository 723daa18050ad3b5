/** The HTTP client: one GET of a deployment, with its limits, retries and checks. */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setFlagsFromString } from "node:v8";
import type { Agent, Dispatcher } from "undici";
import {
  CONNECTION_OPTION_NAMES,
  type ConnectionOptionNames,
  type ConnectionOptions,
  MAX_TIMER_MS,
  requireInteger,
  type ResolvedConnection,
  resolveConnection,
} from "./connection";
import type { Deployment } from "./deployment";
import { concurrencyLimit, type Limiter, MAX_REQUESTS_IN_FLIGHT } from "./concurrency";
import { encodeDeploymentId } from "./deployment-id";
import { schema } from "./lazy-schema";
import {
  type AttemptResult,
  classifyAnswer,
  classifyTransportError,
  type FailedAttempt,
  type LookupContext,
} from "./failures";
import { failureToError, queuedThroughoutError } from "./messages";
import {
  type BackoffOptions,
  isRetryable,
  pause,
  type RetryPolicy,
  resolveRetryPolicy,
  retryDelayMs,
} from "./retry";

export interface CoreweaveClientOptions extends ConnectionOptions {
  /**
   * Backoff tuning. The number of retries is the connection option `maxRetries`.
   * @default 500 ms doubling to 8 s, a server's Retry-After honoured up to 30 s (DEFAULT_RETRY_POLICY)
   */
  readonly retry?: BackoffOptions;
  /**
   * Environment to read `COREWEAVE_API_*` from.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * How messages name the options (see `ConnectionOptionNames`): a CLI passes its own flags.
   * @default the option names of this interface (`the endpoint option`, ...)
   */
  readonly optionNames?: ConnectionOptionNames;
  /**
   * A connection resolved already (`resolveConnection`) to fail fast, as the lookups do before
   * their worker builds the client: the options above and `env` are then not read.
   * @default resolved from the options above and `env`
   */
  readonly connection?: ResolvedConnection;
  /**
   * HTTP requests in flight at once, across every call of this client. A call waits for a free
   * slot before each attempt; the time it waits counts against its deadline, and no attempt starts
   * once the deadline has passed. Retry waits hold no slot.
   * @default 32 (MAX_REQUESTS_IN_FLIGHT)
   */
  readonly maxConcurrentRequests?: number;
}

export interface GetDeploymentOptions {
  /** Replaces the client's `deadlineMs` for this call (a waiter's remaining time). */
  readonly deadlineMs?: number;
  /** Ends the call at once, rejecting with the signal's reason (not a `CoreweaveError`). */
  readonly signal?: AbortSignal;
}

/** This package's version, as the CLI's `--version` prints it. */
export const PACKAGE_VERSION = packageVersion();

/** `cdktf-coreweave-inference/<version>`, so CoreWeave can tell this library's traffic apart. */
export const USER_AGENT = `cdktf-coreweave-inference/${PACKAGE_VERSION}`;

/**
 * Reads CoreWeave inference deployments over HTTPS with bounded retries, timeouts and body size.
 * Free of CDKTF, so it serves CLIs and other tools too.
 */
export class CoreweaveInferenceClient {
  readonly endpoint: URL;
  readonly attemptTimeoutMs: number;
  readonly deadlineMs: number;
  readonly maxRetries: number;
  readonly maxResponseBytes: number;
  readonly retryPolicy: RetryPolicy;
  /** HTTP requests in flight at once, across every call of this client. */
  readonly maxConcurrentRequests: number;
  // An ES private field: invisible to util.inspect, JSON.stringify and Object.keys.
  readonly #token: string;
  readonly #agent: Agent;
  readonly #names: ConnectionOptionNames;
  readonly #slot: Limiter;

  constructor(options: CoreweaveClientOptions = {}) {
    this.#names = options.optionNames ?? CONNECTION_OPTION_NAMES;
    const connection =
      options.connection ?? resolveConnection(options, options.env ?? process.env, this.#names);
    this.endpoint = new URL(connection.endpoint);
    this.#token = connection.apiToken;
    this.attemptTimeoutMs = connection.attemptTimeoutMs;
    this.deadlineMs = connection.deadlineMs;
    this.maxRetries = connection.maxRetries;
    this.maxResponseBytes = connection.maxResponseBytes;
    this.retryPolicy = resolveRetryPolicy(connection.maxRetries, options.retry);
    this.maxConcurrentRequests = requireInteger(
      "maxConcurrentRequests",
      options.maxConcurrentRequests ?? MAX_REQUESTS_IN_FLIGHT,
      1,
      10_000,
    );
    this.#slot = concurrencyLimit(this.maxConcurrentRequests);
    // The per-attempt limit, enforced by undici at each stage as well as by the abort signal.
    this.#agent = new (undici().Agent)({
      connect: { timeout: this.attemptTimeoutMs },
      headersTimeout: this.attemptTimeoutMs,
      bodyTimeout: this.attemptTimeoutMs,
    });
  }

  /**
   * `GET /v1alpha1/inference/deployments/{id}`, validated. Throws a `CoreweaveError` subclass.
   * `deadlineMs` replaces the client's deadline for this call (a waiter passes what is left).
   */
  async getDeployment(
    deploymentId: string,
    options: GetDeploymentOptions = {},
  ): Promise<Deployment> {
    const abort = options.signal;
    const deadlineMs =
      options.deadlineMs === undefined
        ? this.deadlineMs
        : requireInteger("deadlineMs", options.deadlineMs, 1, MAX_TIMER_MS);
    const path = `v1alpha1/inference/deployments/${encodeDeploymentId(deploymentId)}`;
    const url = new URL(path, this.endpoint);
    const context: LookupContext = {
      deploymentId,
      origin: this.endpoint.origin,
      secret: this.#token,
      maxResponseBytes: this.maxResponseBytes,
      deadlineMs,
      names: this.#names,
    };
    const deadline = Date.now() + deadlineMs;
    let previous: FailedAttempt | undefined;
    for (let attempt = 1; ; attempt++) {
      const tried = await this.#slot(async () => {
        const remaining = deadline - Date.now();
        // Time spent waiting for a slot is spent: an attempt with none left is not sent.
        if (remaining <= 0) return undefined;
        const result = await this.#attempt(url, context, remaining, abort);
        return { result, limitedByDeadline: remaining < this.attemptTimeoutMs };
      }, abort);
      // The last real failure; or, queued throughout, that no request was ever sent.
      if (tried === undefined) {
        throw previous
          ? failureToError(previous, context, attempt - 1, true)
          : queuedThroughoutError(context, this.maxConcurrentRequests);
      }
      const { result, limitedByDeadline } = tried;
      if (result.ok) return result.deployment;
      const { failed } = result;
      previous = failed;
      if (!isRetryable(failed) || attempt > this.retryPolicy.maxRetries) {
        throw failureToError(failed, context, attempt, limitedByDeadline);
      }
      const delay = retryDelayMs(failed, attempt - 1, this.retryPolicy);
      // Waiting past the deadline only delays the same answer: stop now with the last error.
      if (Date.now() + delay >= deadline) throw failureToError(failed, context, attempt, true);
      await pause(delay, abort);
    }
  }

  /** Releases pooled connections. The client cannot be used afterwards. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #attempt(
    url: URL,
    context: LookupContext,
    budgetMs: number,
    abort: AbortSignal | undefined,
  ): Promise<AttemptResult> {
    const timeoutMs = Math.min(this.attemptTimeoutMs, budgetMs);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = abort ? AbortSignal.any([timeout, abort]) : timeout;
    loadSchemaWhileTheAnswerTravels();
    try {
      const response = await undici().request(this.#agent, url, {
        signal,
        headers: {
          authorization: `Bearer ${this.#token}`,
          accept: "application/json",
          // A compressed body is refused (and named) rather than misread as a changed API.
          "accept-encoding": "identity",
          "user-agent": USER_AGENT,
        },
      });
      const body = await readBounded(response.body, this.maxResponseBytes);
      // classifyAnswer never throws: what is caught below is the transport's.
      return classifyAnswer(
        { status: response.statusCode, headers: response.headers, body },
        context,
      );
    } catch (error) {
      // The caller's abort is no failure of the API: it ends the call as the caller's reason.
      if (abort?.aborted) throw abort.reason;
      const attempt = { timedOut: timeout.aborted, timeoutMs, secret: this.#token };
      return { ok: false, failed: classifyTransportError(error, attempt) };
    }
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

/**
 * This package's version, read once from its package.json: `src/api` and `dist/api` are both two
 * levels below the package root. "unknown" when it cannot be read, is another package's (a
 * bundler moved this file) or is not header-safe.
 */
function packageVersion(): string {
  try {
    const { name, version } = JSON.parse(
      readFileSync(join(__dirname, "../../package.json"), "utf8"),
    ) as { name?: unknown; version?: unknown };
    // The npm package, or one of the jsii packages built from it (`npm run package:python`).
    return typeof name === "string" &&
      /^cdkt[fn]-coreweave-inference$/.test(name) &&
      typeof version === "string" &&
      /^[0-9A-Za-z.+-]{1,64}$/.test(version)
      ? version
      : "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Keeps V8 from re-compiling undici's HTTP parser (WebAssembly) with its optimising compiler.
 * V8 does that on a background thread once the parser is hot, after the first answer, and a
 * process waits for that compile before it can exit: 100 to 300 ms after a CDKTF app's last line,
 * for a parser that reads a few kilobytes. The flag is process-wide, so only this package's own
 * threads and processes set it (the lookup thread, the CLI), before their first request: any
 * WebAssembly compiled later in the process runs on V8's baseline compiler, which a synth or a
 * pipeline step does not notice.
 */
export function keepHttpParserOnBaselineCompiler(): void {
  setFlagsFromString("--liftoff-only");
}

let schemaRequested = false;

/**
 * The first answer needs the schema (zod, about 50 ms to load): it is loaded as soon as the first
 * request has been written to its socket, while the answer travels, not after it has arrived.
 * undici reports the write on its `undici:client:sendHeaders` diagnostics channel.
 */
function loadSchemaWhileTheAnswerTravels(): void {
  if (schemaRequested) return;
  schemaRequested = true;
  const sent = () => {
    unsubscribe(SENT_HEADERS, sent);
    setImmediate(schema);
  };
  subscribe(SENT_HEADERS, sent);
}
const SENT_HEADERS = "undici:client:sendHeaders";

/** Loads the HTTP client ahead of the first request (the lookup thread, while it idles). */
export function preloadHttpClient(): void {
  undici();
}

/** The parts of undici the client uses: its connection pool, and a request on it. */
interface HttpClient {
  readonly Agent: typeof import("undici").Agent;
  request(
    dispatcher: Dispatcher,
    url: URL,
    options: Omit<Dispatcher.RequestOptions, "origin" | "path" | "method">,
  ): Promise<Dispatcher.ResponseData>;
}

let http: HttpClient | undefined;

/**
 * undici's Agent and request API, loaded on first use: importing the package (as every CDKTF app
 * does) then costs no HTTP client. Only these two modules are loaded, not undici's whole public
 * surface (fetch, WebSocket, caches, mocks...): about 20 ms instead of 75. undici has no
 * `exports` map, and the dependency is pinned to one version, so its file layout is known.
 */
function undici(): HttpClient {
  if (http) return http;
  const root = dirname(require.resolve("undici"));
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Agent = require(join(root, "lib", "dispatcher", "agent.js")) as HttpClient["Agent"];
  const request = require(join(root, "lib", "api", "api-request.js")) as (
    this: Dispatcher,
    options: Dispatcher.RequestOptions,
  ) => Promise<Dispatcher.ResponseData>;
  /* eslint-enable @typescript-eslint/no-require-imports */
  http = {
    Agent,
    request: (dispatcher, url, options) =>
      request.call(dispatcher, {
        ...options,
        method: "GET",
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
      }),
  };
  return http;
}
