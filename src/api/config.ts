import { isIP } from "node:net";
import { ConfigurationError } from "./errors";
import { findCharacter } from "./text";

export const DEFAULT_ENDPOINT = "https://api.coreweave.com";
/** Same variable names as CoreWeave's own Terraform provider, so CI secrets carry over. */
export const ENDPOINT_ENV = "COREWEAVE_API_ENDPOINT";
export const TOKEN_ENV = "COREWEAVE_API_TOKEN";

/**
 * How an interface names the connection options in its messages: the library's options by
 * default, the CLI's flags for the CLI. An option the interface does not have is absent, and
 * advice to set it is left out (the CLI reads the token from the environment only, and has no
 * flag for the time limits or the body cap).
 */
export interface ConnectionOptionNames {
  readonly endpoint: string;
  readonly apiToken?: string;
  readonly attemptTimeoutMs?: string;
  readonly deadlineMs?: string;
  readonly maxResponseBytes?: string;
}

export const CONNECTION_OPTION_NAMES: ConnectionOptionNames = {
  endpoint: "the endpoint option",
  apiToken: "the apiToken option",
  attemptTimeoutMs: "the attemptTimeoutMs option",
  deadlineMs: "the deadlineMs option",
  maxResponseBytes: "the maxResponseBytes option",
};

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
 * Resolves the API base URL: the option, else `COREWEAVE_API_ENDPOINT`, else production.
 * Empty strings count as not set. Rejects URLs that would leak the token: plain http to
 * anything but loopback, and credentials, query strings or fragments in the URL.
 */
export function resolveEndpoint(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  names: ConnectionOptionNames = CONNECTION_OPTION_NAMES,
): URL {
  const chosen = firstSet(option, names.endpoint, env, ENDPOINT_ENV);
  const raw = chosen === undefined ? DEFAULT_ENDPOINT : String(chosen.value).trim();
  const source = chosen?.source ?? "the default endpoint";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError(
      `${source} is not a valid URL. Set it to a base URL such as ${DEFAULT_ENDPOINT}.`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigurationError(`${source} must use https (got ${url.protocol}).`);
  }
  if (url.username || url.password) {
    throw new ConfigurationError(
      `${source} must not contain credentials; pass the token via ${tokenSources(names)}.`,
    );
  }
  if (url.search || url.hash) {
    throw new ConfigurationError(
      `${source} must be a base URL without a query string or fragment.`,
    );
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw new ConfigurationError(
      `${source} uses plain http to ${url.hostname}; the API token would travel unencrypted. ` +
        "Use https (plain http is allowed only to loopback addresses, e.g. a local emulator).",
    );
  }
  const apiPath = API_PATH_SUFFIX.exec(url.pathname);
  if (apiPath !== null) {
    // Requests add /v1alpha1/... themselves; the result would be /v1alpha1/v1alpha1/... and a
    // 404 that reads like a wrong deployment ID. A proxy prefix of another name is fine.
    const base = new URL(url.pathname.slice(0, apiPath.index + 1), url.origin).href;
    throw new ConfigurationError(
      `${source} ends with the API path ${apiPath[0].replace(/\/$/, "")}, which every request ` +
        `adds itself. Set it to the base URL without that path: ${base}`,
    );
  }
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/** Where a token can come from, in the words of the interface that asks. */
function tokenSources(names: ConnectionOptionNames): string {
  return names.apiToken === undefined ? TOKEN_ENV : `${TOKEN_ENV} or ${names.apiToken}`;
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

/** Node's timers overflow above this many milliseconds (about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

/** Checks a numeric option; the error names the option and the accepted range. */
export function requireInteger(
  name: string,
  value: number,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new ConfigurationError(`${name} must be an integer ${range} (got ${value}).`);
  }
  return value;
}
