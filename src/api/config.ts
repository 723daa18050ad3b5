import { isIP } from "node:net";
import { ConfigurationError } from "./errors";

export const DEFAULT_ENDPOINT = "https://api.coreweave.com";
/** Same variable names as CoreWeave's own Terraform provider, so CI secrets carry over. */
export const ENDPOINT_ENV = "COREWEAVE_API_ENDPOINT";
export const TOKEN_ENV = "COREWEAVE_API_TOKEN";

/**
 * Resolves the API base URL: the option, else `COREWEAVE_API_ENDPOINT`, else production.
 * Rejects URLs that would leak the token: plain http to anything but loopback, and
 * credentials, query strings or fragments in the URL.
 */
export function resolveEndpoint(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): URL {
  const raw = (option ?? env[ENDPOINT_ENV] ?? "").trim() || DEFAULT_ENDPOINT;
  const source = option !== undefined ? "the endpoint option" : ENDPOINT_ENV;
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
      `${source} must not contain credentials; pass the token via ${TOKEN_ENV} or the apiToken option.`,
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
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/** Resolves the token: the option, else `COREWEAVE_API_TOKEN`. Fails before any request. */
export function resolveApiToken(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const token = (option ?? env[TOKEN_ENV] ?? "").trim();
  if (token === "") {
    throw new ConfigurationError(
      `No CoreWeave API token: set ${TOKEN_ENV} in the environment (or pass the apiToken option). ` +
        "Create a token in the CoreWeave console under API access tokens.",
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(token)) {
    throw new ConfigurationError(
      `The CoreWeave API token contains whitespace or control characters; check how ${TOKEN_ENV} is set.`,
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
