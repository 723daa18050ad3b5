/** How to reach the CoreWeave API: the options, their checks, and how messages name them. */
import { isIP } from "node:net";
import { ConfigurationError } from "./errors";
import { findCharacter, withoutUndefined } from "./text";

export const DEFAULT_ENDPOINT = "https://api.coreweave.com";
/** Same variable names as CoreWeave's own Terraform provider, so CI secrets carry over. */
export const ENDPOINT_ENV = "COREWEAVE_API_ENDPOINT";
export const TOKEN_ENV = "COREWEAVE_API_TOKEN";

/**
 * How to reach the CoreWeave API. Declared once: the client options and the
 * `CoreweaveDeploymentData` props extend it, and a lookup request carries it as its `connection`
 * (resolved before the worker gets it), so each option has one name, default and range check.
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
   * Retries after the first attempt, for 408, 429, 5xx except 501, timeouts and connection errors;
   * failures retrying cannot fix (TLS, protocol violations, bad input) are never retried.
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

/** Node's timers overflow above this many milliseconds (about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

/** The accepted range of each numeric option: the one place it is written. */
const CONNECTION_LIMITS: Readonly<
  Record<keyof typeof CONNECTION_DEFAULTS, readonly [min: number, max: number]>
> = {
  attemptTimeoutMs: [1, MAX_TIMER_MS],
  deadlineMs: [1, MAX_TIMER_MS],
  maxRetries: [0, 100],
  maxResponseBytes: [1, Number.MAX_SAFE_INTEGER],
};

/** Connection options with defaults applied and every value checked: every option is set. */
export interface ResolvedConnection extends Required<ConnectionOptions> {
  /** The base URL, always ending in `/`. */
  readonly endpoint: string;
}

/**
 * How an interface names the connection options in its messages: the library's options by
 * default, the CLI's flags for the CLI. An option the interface does not have is absent, and
 * advice to set it is left out (the CLI reads the token from the environment only, and has no
 * flag for the time limits or the body cap). No message points to `maxRetries`.
 */
export type ConnectionOptionNames = { readonly endpoint: string } & {
  readonly [option in Exclude<keyof ConnectionOptions, "endpoint" | "maxRetries">]?: string;
};

export const CONNECTION_OPTION_NAMES: ConnectionOptionNames = {
  endpoint: "the endpoint option",
  apiToken: "the apiToken option",
  attemptTimeoutMs: "the attemptTimeoutMs option",
  deadlineMs: "the deadlineMs option",
  maxResponseBytes: "the maxResponseBytes option",
};

/**
 * Applies defaults and the environment, and checks every option. Throws `ConfigurationError`
 * naming the option and what to do; never sends a request. Resolving a resolved connection
 * returns it unchanged. `names` words the messages for the interface that asks (props, or flags).
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

/** Checks a numeric option; the error names the option and the accepted range. */
export function requireInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new ConfigurationError(`${name} must be an integer ${range} (got ${value}).`);
  }
  return value;
}

/** The path every request adds to the endpoint; an endpoint that already ends with it is wrong. */
const API_PATH_SUFFIX = /\/v1alpha1(?:\/inference(?:\/deployments)?)?\/?$/i;

/**
 * The first value that is set, and where it came from. An empty or blank string is "not set",
 * so `endpoint: ""` (say, from an unset CI variable) falls through to the environment.
 */
function firstSet(
  option: string | undefined,
  optionName: string | undefined,
  env: NodeJS.ProcessEnv,
  envName: string,
): { readonly value: string; readonly source: string } | undefined {
  if (optionName !== undefined && isSet(option)) return { value: option, source: optionName };
  const fromEnv = env[envName];
  if (isSet(fromEnv)) return { value: fromEnv, source: envName };
  return undefined;
}

function isSet(value: string | undefined): value is string {
  // Not a string at all (a JavaScript caller's number) is a value, and fails its own check.
  return value !== undefined && value !== null && String(value).trim() !== "";
}

/**
 * Resolves the API base URL: the option, else `COREWEAVE_API_ENDPOINT`, else production. Rejects
 * URLs that would leak the token: plain http to anything but loopback, and credentials, query
 * strings or fragments in the URL.
 */
export function resolveEndpoint(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  names: ConnectionOptionNames = CONNECTION_OPTION_NAMES,
): URL {
  const chosen = firstSet(option, names.endpoint, env, ENDPOINT_ENV);
  const raw = chosen === undefined ? DEFAULT_ENDPOINT : String(chosen.value).trim();
  const source = chosen?.source ?? "the default endpoint";
  const invalid = (problem: string) => new ConfigurationError(`${source} ${problem}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`is not a valid URL. Set it to a base URL such as ${DEFAULT_ENDPOINT}.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw invalid(`must use https (got ${url.protocol}).`);
  if (url.username || url.password) {
    const orOption = names.apiToken === undefined ? "" : ` or ${names.apiToken}`;
    throw invalid(`must not contain credentials; pass the token via ${TOKEN_ENV}${orOption}.`);
  }
  if (url.search || url.hash)
    throw invalid("must be a base URL without a query string or fragment.");
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw invalid(
      `uses plain http to ${url.hostname}; the API token would travel unencrypted. ` +
        "Use https (plain http is allowed only to loopback addresses, e.g. a local emulator).",
    );
  }
  const apiPath = API_PATH_SUFFIX.exec(url.pathname);
  if (apiPath !== null) {
    // Requests add /v1alpha1/... themselves; the result would be /v1alpha1/v1alpha1/... and a
    // 404 that reads like a wrong deployment ID. A proxy prefix of another name is fine.
    const base = new URL(url.pathname.slice(0, apiPath.index + 1), url.origin).href;
    throw invalid(
      `ends with the API path ${apiPath[0].replace(/\/$/, "")}, which every request ` +
        `adds itself. Set it to the base URL without that path: ${base}`,
    );
  }
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/**
 * Resolves the token: the option, else `COREWEAVE_API_TOKEN` (empty strings count as not set).
 * Fails before any request when there is none, or when it cannot be an HTTP header value. The
 * message names the position and kind of the bad character, never the token or any part of it.
 */
export function resolveApiToken(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  names: ConnectionOptionNames = CONNECTION_OPTION_NAMES,
): string {
  const chosen = firstSet(option, names.apiToken, env, TOKEN_ENV);
  if (chosen === undefined) {
    const orOption = names.apiToken === undefined ? "" : ` (or pass ${names.apiToken})`;
    throw new ConfigurationError(
      `No CoreWeave API token: set ${TOKEN_ENV} in the environment${orOption}. ` +
        "Create a token in the CoreWeave console under API access tokens.",
    );
  }
  const raw = String(chosen.value);
  // Surrounding whitespace (a trailing newline from `$(cat token.txt)`) is dropped.
  const token = raw.trim();
  const leading = [...raw.slice(0, raw.length - raw.trimStart().length)].length;
  // A bearer token travels in a header: only visible ASCII is safe (RFC 6750 b64token is a
  // subset of it). A zero-width space or a `€` from copy-paste would make every request fail.
  const bad = findCharacter(token, (char) => !/^[\x21-\x7e]$/.test(char));
  if (bad !== undefined) {
    throw new ConfigurationError(
      `The CoreWeave API token from ${chosen.source} cannot be sent in an HTTP header: ` +
        `character ${leading + bad.position} is ${bad.description}; a token holds only ` +
        "visible ASCII characters. Copy the token again (copy-paste often adds invisible " +
        `characters), or check how ${chosen.source} is set.`,
    );
  }
  return token;
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}
