import {
  CONNECTION_OPTION_NAMES,
  type ConnectionOptionNames,
  MAX_TIMER_MS,
  requireInteger,
  resolveApiToken,
  resolveEndpoint,
} from "./config";
import { withoutUndefined } from "./plain-data";

/**
 * How to reach the CoreWeave API. Declared once: the client options, the lookup requests and the
 * `CoreweaveDeploymentData` props all extend this interface, so each option has one name, one
 * default and one range check everywhere.
 */
export interface ConnectionOptions {
  /**
   * Base URL of the CoreWeave API. Plain http is accepted only for loopback addresses.
   * An empty string means "not set".
   * @default process.env.COREWEAVE_API_ENDPOINT, else "https://api.coreweave.com"
   */
  readonly endpoint?: string;
  /**
   * CoreWeave API access token. Used for the HTTP call only: it never reaches `cdk.tf.json`,
   * Terraform state, errors or logs. Prefer the environment variable, so the token stays out of
   * code. An empty string means "not set".
   * @default process.env.COREWEAVE_API_TOKEN
   */
  readonly apiToken?: string;
  /**
   * Time limit of one HTTP attempt, from connect to the last body byte, in milliseconds.
   * @default 10000
   */
  readonly attemptTimeoutMs?: number;
  /**
   * Time limit of the whole lookup, retries and waits included, in milliseconds. A hung server
   * fails with `ApiTimeoutError` after this long.
   * @default 60000
   */
  readonly deadlineMs?: number;
  /**
   * Retries after the first attempt, for 408, 429, 5xx except 501, timeouts and connection
   * errors. Failures that cannot succeed on retry (TLS trust, protocol violations, bad input)
   * are never retried.
   * @default 4
   */
  readonly maxRetries?: number;
  /**
   * Largest response body read, in bytes. Reading stops at the cap.
   * @default 1048576 (1 MiB)
   */
  readonly maxResponseBytes?: number;
}

/** The defaults of {@link ConnectionOptions}, the one place they are written. */
export const CONNECTION_DEFAULTS = {
  attemptTimeoutMs: 10_000,
  deadlineMs: 60_000,
  maxRetries: 4,
  maxResponseBytes: 1024 * 1024,
} as const;

/** The accepted range of each numeric option: the one place it is written. */
const CONNECTION_LIMITS: Readonly<
  Record<keyof typeof CONNECTION_DEFAULTS, readonly [min: number, max: number]>
> = {
  attemptTimeoutMs: [1, MAX_TIMER_MS],
  deadlineMs: [1, MAX_TIMER_MS],
  maxRetries: [0, 100],
  maxResponseBytes: [1, Number.MAX_SAFE_INTEGER],
};

/** Connection options with defaults applied and every value checked. */
export interface ResolvedConnection {
  /** The base URL, always ending in `/`. */
  readonly endpoint: string;
  readonly apiToken: string;
  readonly attemptTimeoutMs: number;
  readonly deadlineMs: number;
  readonly maxRetries: number;
  readonly maxResponseBytes: number;
}

/**
 * Applies defaults and the environment, and checks every option. Throws `ConfigurationError`
 * naming the option and what to do; never sends a request. `undefined`, and an empty string for
 * `endpoint`/`apiToken`, mean "not set". Resolving a resolved connection returns it unchanged.
 * `names` words the messages for the interface that asks (props, or the CLI's flags).
 */
export function resolveConnection(
  options: ConnectionOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  names: ConnectionOptionNames = CONNECTION_OPTION_NAMES,
): ResolvedConnection {
  const merged = { ...CONNECTION_DEFAULTS, ...withoutUndefined(options) };
  const checked = (name: keyof typeof CONNECTION_LIMITS): number =>
    requireInteger(name, merged[name], ...CONNECTION_LIMITS[name]);
  return {
    endpoint: resolveEndpoint(options.endpoint, env, names).href,
    apiToken: resolveApiToken(options.apiToken, env, names),
    attemptTimeoutMs: checked("attemptTimeoutMs"),
    deadlineMs: checked("deadlineMs"),
    maxRetries: checked("maxRetries"),
    maxResponseBytes: checked("maxResponseBytes"),
  };
}
