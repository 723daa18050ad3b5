/**
 * What went wrong in one attempt: a transport error (no HTTP answer) or an HTTP answer, each
 * classified here into a {@link FailedAttempt} of redacted, cleaned facts. `retry.ts` decides
 * from it whether to try again; `messages.ts` words the final error.
 */
import type { ConnectionOptionNames } from "./connection";
import type { Deployment } from "./deployment";
import { GRPC_CODE_NAMES } from "./errors";
import { parseRetryAfterMs } from "./retry";
import { schema } from "./lazy-schema";
import { formatPath, isRecord, redactSecret, sanitizeText } from "./text";

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

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body; undefined when it exceeded `maxResponseBytes` and reading stopped at the cap. */
  readonly body: Uint8Array | undefined;
}

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

/** Which certificate check failed, for the advice; undefined for other codes. */
export function certificateProblem(code: string): "trust" | "name" | "date" | undefined {
  if (CERTIFICATE_TRUST_CODES.has(code)) return "trust";
  if (CERTIFICATE_NAME_CODES.has(code)) return "name";
  return CERTIFICATE_DATE_CODES.has(code) ? "date" : undefined;
}

function isTlsCode(code: string): boolean {
  return (
    certificateProblem(code) !== undefined || code === "EPROTO" || /^ERR_(TLS|SSL)_/.test(code)
  );
}

/** llhttp's parse errors (`HPE_*`) and undici's header size limit: the answer is not HTTP. */
function isProtocolCode(code: string): boolean {
  return /^HPE_/.test(code) || code === "UND_ERR_HEADERS_OVERFLOW";
}

/** Classifies an error from sending the request or reading the answer (`timedOut`: ours fired). */
export function classifyTransportError(
  error: unknown,
  attempt: { readonly timedOut: boolean; readonly timeoutMs: number; readonly secret: string },
): FailedAttempt {
  const chain = causeChain(error);
  const codes = chain.flatMap(({ code }) => (typeof code === "string" ? [code] : []));
  const tlsCode = codes.find(isTlsCode);
  const protocolCode = codes.find(isProtocolCode);
  const code = tlsCode ?? protocolCode ?? codes[0];
  const message = sanitizeText(redactSecret(errorMessage(error), attempt.secret), 200);
  const reason = code === undefined ? message : `${code}: ${message}`;
  if (attempt.timedOut || codes.some((c) => TIMEOUT_CODES.has(c))) {
    return { type: "timeout", timeoutMs: attempt.timeoutMs };
  }
  if (tlsCode !== undefined) return { type: "tls", code: tlsCode, reason };
  // undici's llhttp parse error often carries no `code`.
  const parserError = chain.some(({ name }) => name === "HTTPParserError");
  if (protocolCode !== undefined || parserError) return { type: "protocol", reason };
  return { type: "connection", reason };
}

/** The error and its `cause`s, outermost first, at most 5 deep. */
function causeChain(error: unknown): Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = [];
  for (let e = error; isRecord(e) && chain.length < 5; e = e.cause) chain.push(e);
  return chain;
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

// HTTP answers

/** Strict UTF-8: invalid bytes are an error, not U+FFFD. */
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
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  };

  if (status < 200 || status >= 300) {
    const rpc = summarizeRpcStatus(
      body && orUndefined(() => JSON.parse(strictUtf8.decode(body))),
      (text) => redactSecret(text, context.secret),
    );
    const location = header("location");
    return fail({
      type: "http",
      status,
      retryAfterMs:
        parseRetryAfterMs(header("retry-after"), header("retry-after-ms")) ?? rpc.retryDelayMs,
      rpc,
      ...(status >= 300 && status < 400 && location !== undefined
        ? { location: clean(location, 200) }
        : {}),
    });
  }
  // An oversized error page (a proxy's HTML 503) is judged by its status, above, not its size.
  if (body === undefined) return fail({ type: "response_too_large", status });
  // We send `Accept-Encoding: identity`; a compressed body would read as garbage.
  const encoding = header("content-encoding")?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== "" && encoding !== "identity") {
    return invalid("content_encoding", clean(encoding, 60));
  }
  const text = orUndefined(() => strictUtf8.decode(body));
  if (text === undefined) return invalid("not_utf8");
  const json = orUndefined((): unknown => JSON.parse(text));
  if (json === undefined) return invalid("not_json");
  const checked = schema().checkDeploymentBody(json, context.deploymentId);
  if (!checked.ok && checked.problem === "schema") {
    const { violations } = checked;
    const shown = violations.slice(0, 5).map((v) => `${v.path} ${v.problem}`);
    const more = violations.length > 5 ? ` (and ${violations.length - 5} more)` : "";
    // Paths hold keys of free-form maps (engineConfig), which come from the body.
    return invalid("schema", clean(`${shown.join("; ")}${more}`, 1000));
  }
  // A server that echoes the token would put it into the user's stack (and cdk.tf.json).
  const echo =
    context.secret.length >= MIN_SCANNED_SECRET_LENGTH
      ? findSecret(json, context.secret)
      : undefined;
  if (echo !== undefined) return invalid("echoes_token", echo);
  if (!checked.ok) return invalid("other_deployment");
  return checked;
}

/** What `read` returns, or undefined when it throws. */
function orUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
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
    } else if (typeof value === "object" && value !== null) {
      const children = Array.isArray(value) ? [...value.entries()] : Object.entries(value);
      for (let i = children.length - 1; i >= 0; i--) {
        stack.push({ value: children[i][1], key: children[i][0], parent: node });
      }
    }
  }
  return undefined;
}

// google.rpc.Status, the body of an error answer

/** What a `google.rpc.Status` body told us, in safe, bounded form. */
export interface RpcStatusSummary {
  readonly grpcCode?: string;
  readonly apiMessage?: string;
  /** Short descriptions of `details[]` (field violations, error reasons). */
  readonly details: readonly string[];
  /** `google.rpc.RetryInfo.retryDelay`, in milliseconds. */
  readonly retryDelayMs?: number;
}

/**
 * Reads a `google.rpc.Status` body. Anything unexpected is ignored, never thrown. `redact` runs
 * on each raw text before it is cleaned and truncated, so no part of a secret survives a cut.
 */
export function summarizeRpcStatus(
  body: unknown,
  redact: (text: string) => string = (text) => text,
): RpcStatusSummary {
  const clean = (text: string) => sanitizeText(redact(text));
  if (!isRecord(body)) return { details: [] };
  const grpcCode = Number.isInteger(body.code) ? GRPC_CODE_NAMES[body.code as number] : undefined;
  const apiMessage =
    typeof body.message === "string" && body.message.trim() !== ""
      ? clean(body.message)
      : undefined;
  const details: string[] = [];
  let retryDelayMs: number | undefined;
  for (const item of Array.isArray(body.details) ? body.details.slice(0, 10) : []) {
    if (!isRecord(item)) continue;
    const type = typeof item["@type"] === "string" ? item["@type"].split("/").pop() : undefined;
    if (type === "google.rpc.BadRequest" && Array.isArray(item.fieldViolations)) {
      for (const v of item.fieldViolations.slice(0, 5)) {
        if (isRecord(v)) details.push(clean(`${String(v.field)}: ${String(v.description)}`));
      }
    } else if (type === "google.rpc.ErrorInfo" && typeof item.reason === "string") {
      details.push(clean(`reason ${item.reason}`));
    } else if (type === "google.rpc.RetryInfo" && typeof item.retryDelay === "string") {
      const seconds = Number.parseFloat(item.retryDelay);
      if (Number.isFinite(seconds) && seconds >= 0) retryDelayMs = seconds * 1000;
    }
  }
  return { grpcCode, apiMessage, details, retryDelayMs };
}
