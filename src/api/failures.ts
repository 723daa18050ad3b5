/**
 * What went wrong in one attempt, and the error a user sees for it. An attempt ends in a
 * transport error (no HTTP answer) or an HTTP answer; each is classified here into a
 * {@link FailedAttempt}, which carries only redacted, cleaned facts. `retry.ts` decides from its
 * `type` whether to try again; {@link failureToError} words the final error.
 */
import {
  ApiConnectionError,
  ApiTimeoutError,
  type CoreweaveError,
  InvalidResponseError,
  ProtocolError,
  ResponseTooLargeError,
  TlsError,
} from "./errors";
import type { ConnectionOptionNames } from "./config";
import { errorFromHttpStatus, type RpcStatusSummary, summarizeRpcStatus } from "./rpc-status";
import { parseRetryAfterMs } from "./retry";
import { formatPath, parseGetDeploymentResponse } from "./schema";
import type { Deployment } from "./deployment";
import { redactSecret, sanitizeText } from "./text";

/** What the classification and the messages of one lookup need to know. */
export interface LookupContext {
  readonly deploymentId: string;
  /** The endpoint's origin, e.g. `https://api.coreweave.com`. */
  readonly origin: string;
  /**
   * The API token. Redacted from all server text before it is cleaned and cut, and refused in a
   * 2xx body. Never stored in a {@link FailedAttempt} or an error.
   */
  readonly secret: string;
  readonly maxResponseBytes: number;
  readonly deadlineMs: number;
  /** How the caller's interface names the options that advice points to. */
  readonly names: ConnectionOptionNames;
}

/** ", or raise <option>" where the interface has the option; nothing where it has not. */
function orRaise(option: string | undefined): string {
  return option === undefined ? "" : `, or raise ${option}`;
}

/** Why a 2xx answer cannot be used. */
export type InvalidResponseProblem =
  "content_encoding" | "not_utf8" | "not_json" | "schema" | "other_deployment" | "echoes_token";

/** One failed attempt, with the facts its message needs. All text is redacted and cleaned. */
export type FailedAttempt =
  | {
      readonly type: "http";
      readonly status: number;
      readonly retryAfterMs?: number;
      readonly rpc: RpcStatusSummary;
      /** The `Location` of a 3xx. */
      readonly location?: string;
    }
  | { readonly type: "timeout"; readonly timeoutMs: number }
  | { readonly type: "connection"; readonly reason: string }
  | { readonly type: "tls"; readonly code: string | undefined; readonly reason: string }
  | { readonly type: "protocol"; readonly reason: string }
  | {
      readonly type: "invalid_response";
      readonly status: number;
      readonly problem: InvalidResponseProblem;
      /** The encoding, the schema violations, or the field path holding the token. */
      readonly detail?: string;
    }
  | { readonly type: "response_too_large"; readonly status: number };

export type AttemptResult =
  | { readonly ok: true; readonly deployment: Deployment }
  | { readonly ok: false; readonly failed: FailedAttempt };

/** The HTTP answer of one attempt. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body; undefined when it exceeded `maxResponseBytes` and reading stopped at the cap. */
  readonly body: Uint8Array | undefined;
}

// ---------------------------------------------------------------------------------------------
// Transport errors

/** undici's and Node's codes for an attempt that ran out of time. */
const TIMEOUT_CODES = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ERR_TLS_HANDSHAKE_TIMEOUT",
]);

/** OpenSSL's certificate verification results, as Node reports them in `error.code`. */
const CERTIFICATE_TRUST_CODES = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "UNABLE_TO_GET_CRL",
  "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
  "CRL_SIGNATURE_FAILURE",
  "CRL_NOT_YET_VALID",
  "CRL_HAS_EXPIRED",
  "ERROR_IN_CRL_LAST_UPDATE_FIELD",
  "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
]);
const CERTIFICATE_DATE_CODES = new Set([
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
]);
const CERTIFICATE_NAME_CODES = new Set(["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH"]);

function isTlsCode(code: string): boolean {
  return (
    CERTIFICATE_TRUST_CODES.has(code) ||
    CERTIFICATE_DATE_CODES.has(code) ||
    CERTIFICATE_NAME_CODES.has(code) ||
    code === "EPROTO" ||
    /^ERR_(TLS|SSL)_/.test(code)
  );
}

/** llhttp's parse errors (`HPE_*`) and undici's header size limit: the answer is not HTTP. */
function isProtocolCode(code: string): boolean {
  return /^HPE_/.test(code) || code === "UND_ERR_HEADERS_OVERFLOW";
}

/** undici's llhttp parse error; it often carries no `code`. */
function isParserError(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    if ((e as { name?: unknown }).name === "HTTPParserError") return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Classifies an error thrown while sending the request or reading the answer. `timedOut` is
 * whether the attempt's own time limit fired.
 */
export function classifyTransportError(
  error: unknown,
  attempt: { readonly timedOut: boolean; readonly timeoutMs: number; readonly secret: string },
): FailedAttempt {
  const codes = errorCodes(error);
  const first = (test: (code: string) => boolean) => codes.find(test);
  const tlsCode = first(isTlsCode);
  const protocolCode = first(isProtocolCode);
  const code = tlsCode ?? protocolCode ?? codes[0];
  const message = sanitizeText(redactSecret(errorMessage(error), attempt.secret), 200);
  const reason = code === undefined ? message : `${code}: ${message}`;
  if (attempt.timedOut || first((c) => TIMEOUT_CODES.has(c)) !== undefined) {
    return { type: "timeout", timeoutMs: attempt.timeoutMs };
  }
  if (tlsCode !== undefined) return { type: "tls", code: tlsCode, reason };
  if (protocolCode !== undefined || isParserError(error)) return { type: "protocol", reason };
  return { type: "connection", reason };
}

/** Every `code` along the error's `cause` chain, outermost first. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

function errorMessage(error: unknown): string {
  // HTTPParserError also carries the offending bytes in `data`: never shown. Errors may come from
  // another realm (Node's internals under a test runner's VM), so no `instanceof Error`.
  const raw = (error as { message?: unknown } | null)?.message;
  const message = typeof raw === "string" ? raw : String(error);
  // OpenSSL's "809C...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:file:line:"
  // says "wrong version number"; the rest is noise.
  const openssl = /^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(message);
  return openssl ? openssl[1] : message;
}

// ---------------------------------------------------------------------------------------------
// HTTP answers

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Tokens shorter than this are not looked for in 2xx bodies: no real API token is this short,
 * and a test token such as "t" would be "found" in every answer.
 */
export const MIN_SCANNED_SECRET_LENGTH = 8;

/** Classifies an HTTP answer: a deployment, or why it is not one. Never throws. */
export function classifyAnswer(answer: HttpAnswer, context: LookupContext): AttemptResult {
  const { status, headers, body } = answer;
  const fail = (failed: FailedAttempt): AttemptResult => ({ ok: false, failed });
  const invalid = (problem: InvalidResponseProblem, detail?: string) =>
    fail({ type: "invalid_response", status, problem, detail });
  const clean = (text: string, max?: number) =>
    sanitizeText(redactSecret(text, context.secret), max);

  // An oversized error page (a proxy's HTML 503) is judged by its status, not its size.
  if (status >= 200 && status < 300 && body === undefined) {
    return fail({ type: "response_too_large", status });
  }
  if (status < 200 || status >= 300) {
    const rpc = summarizeRpcStatus(body && decodeJson(body), (text) =>
      redactSecret(text, context.secret),
    );
    const location = header(headers, "location");
    return fail({
      type: "http",
      status,
      retryAfterMs:
        parseRetryAfterMs(header(headers, "retry-after"), header(headers, "retry-after-ms")) ??
        rpc.retryDelayMs,
      rpc,
      ...(status >= 300 && status < 400 && location !== undefined
        ? { location: clean(location, 200) }
        : {}),
    });
  }
  // We send `Accept-Encoding: identity`; a compressed body would read as garbage.
  const encoding = header(headers, "content-encoding")?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== "" && encoding !== "identity") {
    return invalid("content_encoding", clean(encoding, 60));
  }
  const text = decodeUtf8(body ?? new Uint8Array());
  if (text === undefined) return invalid("not_utf8");
  const json = parseJson(text);
  if (json === undefined) return invalid("not_json");
  const parsed = parseGetDeploymentResponse(json);
  if (!parsed.ok) {
    const shown = parsed.violations.slice(0, 5).map((v) => `${v.path} ${v.problem}`);
    const more = parsed.violations.length > 5 ? ` (and ${parsed.violations.length - 5} more)` : "";
    // Paths hold keys of free-form maps (engineConfig), which come from the body.
    return invalid("schema", clean(`${shown.join("; ")}${more}`, 1000));
  }
  // A server that echoes the token would put it into the user's stack (and cdk.tf.json).
  const echo =
    context.secret.length >= MIN_SCANNED_SECRET_LENGTH
      ? findSecret(json, context.secret)
      : undefined;
  if (echo !== undefined) return invalid("echoes_token", echo);
  if (parsed.deployment.spec.id !== context.deploymentId) return invalid("other_deployment");
  return { ok: true, deployment: parsed.deployment };
}

/** Strict UTF-8: invalid bytes are an error, not U+FFFD. */
function decodeUtf8(body: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(body);
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function decodeJson(body: Uint8Array): unknown {
  const text = decodeUtf8(body);
  return text === undefined ? undefined : parseJson(text);
}

function header(
  headers: HttpAnswer["headers"],
  name: "retry-after" | "retry-after-ms" | "location" | "content-encoding",
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * The path of the first string value or object key that contains `secret`, formatted like a
 * schema path, with the secret redacted from keys before they are shown. Iterative, with linked
 * paths, so a deeply nested body costs linear time and cannot overflow the stack.
 */
export function findSecret(json: unknown, secret: string): string | undefined {
  if (secret === "") return undefined;
  interface Node {
    readonly value: unknown;
    readonly key?: PropertyKey;
    readonly parent?: Node;
  }
  const show = (node: Node): string => {
    const path: PropertyKey[] = [];
    for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) {
      path.push(typeof n.key === "string" ? redactSecret(n.key, secret) : n.key);
    }
    return formatPath(path.reverse()) || "(response body)";
  };
  const stack: Node[] = [{ value: json }];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const { key, value } = node;
    if (typeof key === "string" && key.includes(secret)) return show(node);
    if (typeof value === "string") {
      if (value.includes(secret)) return show(node);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], key: i, parent: node });
      }
    } else if (typeof value === "object" && value !== null) {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        stack.push({ value: entries[i][1], key: entries[i][0], parent: node });
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Messages

/**
 * The error a user sees for the last failed attempt. `deadlineReached`: the lookup stopped
 * because its overall deadline left no time for another attempt.
 */
export function failureToError(
  failed: FailedAttempt,
  context: LookupContext,
  attempts: number,
  deadlineReached: boolean,
): CoreweaveError {
  const { deploymentId, origin } = context;
  const subject = `CoreWeave GET deployment "${deploymentId}"`;
  const counted = countAttempts(attempts);
  switch (failed.type) {
    case "http":
      return errorFromHttpStatus(failed.status, failed.rpc, deploymentId, attempts, {
        ...failed,
        tokenOption: context.names.apiToken,
      });
    case "timeout":
      if (deadlineReached) {
        return new ApiTimeoutError(
          `${subject} timed out: no complete answer from ${origin} within the overall deadline ` +
            `of ${context.deadlineMs} ms (${counted}). Check that COREWEAVE_API_ENDPOINT is ` +
            `reachable from this machine${orRaise(context.names.deadlineMs)}.`,
          { deploymentId, attempts },
        );
      }
      return new ApiTimeoutError(
        `${subject} timed out: an attempt got no complete answer from ${origin} within ` +
          `${failed.timeoutMs} ms (${counted}). Check the network path to ` +
          `COREWEAVE_API_ENDPOINT${orRaise(context.names.attemptTimeoutMs)}.`,
        { deploymentId, attempts },
      );
    case "connection":
      return new ApiConnectionError(
        `${subject} could not reach ${origin}: ${failed.reason} (${counted}). ` +
          "Check COREWEAVE_API_ENDPOINT and that this machine can reach it.",
        { deploymentId, attempts },
      );
    case "tls":
      return new TlsError(
        `${subject}: the TLS handshake with ${origin} failed, so the request was not sent: ` +
          `${failed.reason} (${counted}; not retried: retrying cannot fix it). ` +
          tlsAdvice(failed.code),
        { deploymentId, attempts },
      );
    case "protocol":
      return new ProtocolError(
        `${subject}: ${origin} was reached but answered with something that is not valid HTTP ` +
          `(${failed.reason}) (${counted}; not retried). Check that COREWEAVE_API_ENDPOINT ` +
          "points at the CoreWeave API, with the right port, and not at another kind of service.",
        { deploymentId, attempts },
      );
    case "response_too_large":
      return new ResponseTooLargeError(
        `${subject}: HTTP ${failed.status} response body exceeds ${context.maxResponseBytes} ` +
          "bytes; reading stopped at the cap." +
          (context.names.maxResponseBytes === undefined
            ? ""
            : ` If such a large deployment is expected, raise ${context.names.maxResponseBytes}.`),
        { deploymentId, httpStatus: failed.status, attempts },
      );
    case "invalid_response": {
      const [why, advice] = describeInvalidResponse(failed.problem, failed.detail);
      return new InvalidResponseError(
        `${subject} returned HTTP ${failed.status} with an invalid body: ${why}. ${advice}`,
        { deploymentId, httpStatus: failed.status, attempts },
      );
    }
  }
}

const CHECK_ENDPOINT = "Check that COREWEAVE_API_ENDPOINT points at the CoreWeave Inference API";
const API_CHANGED =
  `${CHECK_ENDPOINT}; if it does, the API changed in a way this library does not understand: ` +
  "upgrade cdktf-coreweave-inference or report it.";

function describeInvalidResponse(
  problem: InvalidResponseProblem,
  detail: string | undefined,
): [why: string, advice: string] {
  switch (problem) {
    case "content_encoding":
      return [
        `it is compressed (Content-Encoding: ${detail}) although the request asked for ` +
          "Accept-Encoding: identity",
        `${CHECK_ENDPOINT}, and that no proxy on the way compresses answers on its own.`,
      ];
    case "not_utf8":
      return ["the body is not valid UTF-8", API_CHANGED];
    case "not_json":
      return ["it is not JSON", API_CHANGED];
    case "schema":
      return [detail ?? "it does not match the schema", API_CHANGED];
    case "other_deployment":
      return [
        "it describes a different deployment (deployment.spec.id does not match)",
        API_CHANGED,
      ];
    case "echoes_token":
      return [
        `${detail} contains the API token, so the answer is refused: the token must never ` +
          "reach the synthesized stack",
        `${CHECK_ENDPOINT}; the real API never sends a token back. If it does, report it ` +
          "to CoreWeave, and rotate the token if the answer was stored anywhere.",
      ];
  }
}

const PRIVATE_CA =
  "If the endpoint uses a private CA (a corporate proxy or a self-hosted gateway), save the CA " +
  "certificate as PEM and set NODE_EXTRA_CA_CERTS to its path before Node starts; do not turn " +
  "certificate checks off.";

function tlsAdvice(code: string | undefined): string {
  if (code !== undefined && CERTIFICATE_TRUST_CODES.has(code)) {
    return `The certificate check failed: the server's certificate is not signed by a CA this machine trusts. ${PRIVATE_CA}`;
  }
  if (code !== undefined && CERTIFICATE_NAME_CODES.has(code)) {
    return (
      "The certificate check failed: the certificate is not issued for this host. Check the " +
      `host name in COREWEAVE_API_ENDPOINT. (NODE_EXTRA_CA_CERTS trusts a private CA; it does ` +
      "not fix a name mismatch.)"
    );
  }
  if (code !== undefined && CERTIFICATE_DATE_CODES.has(code)) {
    return (
      "The certificate check failed: the certificate is expired or not yet valid. Check this " +
      "machine's clock and the endpoint's certificate. (NODE_EXTRA_CA_CERTS trusts a private " +
      "CA; it does not fix dates.)"
    );
  }
  return (
    "Check that COREWEAVE_API_ENDPOINT is an https endpoint (https:// to a plain-http port " +
    `fails like this) and that nothing on the way intercepts TLS. ${PRIVATE_CA}`
  );
}

export function countAttempts(attempts: number): string {
  return `${attempts} attempt${attempts === 1 ? "" : "s"}`;
}
