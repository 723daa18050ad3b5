/**
 * One error class per way a deployment lookup can fail. Every message names the deployment ID
 * and says what to do. No error ever holds the API token, the request headers or a raw body:
 * messages and `toJSON()` are built from a fixed set of safe fields.
 */

export type CoreweaveErrorKind =
  | "configuration"
  | "invalid_deployment_id"
  | "not_found"
  | "unauthenticated"
  | "permission_denied"
  | "invalid_argument"
  | "rate_limited"
  | "server_error"
  | "api_error"
  | "timeout"
  | "connection"
  | "invalid_response"
  | "response_too_large";

/** The safe, serialisable facts an error carries. */
export interface CoreweaveErrorFields {
  readonly deploymentId?: string;
  /** HTTP status of the last response, when there was one. */
  readonly httpStatus?: number;
  /** `google.rpc.Code` name from the error body (or derived from the HTTP status). */
  readonly grpcCode?: string;
  /** The API's own `message`, sanitised and truncated. */
  readonly apiMessage?: string;
  /** How many HTTP attempts were made before giving up. */
  readonly attempts?: number;
}

export abstract class CoreweaveError extends Error implements CoreweaveErrorFields {
  abstract readonly kind: CoreweaveErrorKind;
  // `declare`: set only when known, so inspect output shows no `undefined` noise.
  declare readonly deploymentId?: string;
  declare readonly httpStatus?: number;
  declare readonly grpcCode?: string;
  declare readonly apiMessage?: string;
  declare readonly attempts?: number;

  constructor(message: string, fields: CoreweaveErrorFields = {}) {
    super(message);
    this.name = new.target.name;
    Object.assign(this, stripUndefined(fields));
  }

  /** A plain, token-free view; also what crosses from the lookup worker thread. */
  toJSON(): SerializedCoreweaveError {
    return {
      name: this.name,
      kind: this.kind,
      message: this.message,
      ...stripUndefined({
        deploymentId: this.deploymentId,
        httpStatus: this.httpStatus,
        grpcCode: this.grpcCode,
        apiMessage: this.apiMessage,
        attempts: this.attempts,
      }),
    };
  }
}

export interface SerializedCoreweaveError extends CoreweaveErrorFields {
  readonly name: string;
  readonly kind: CoreweaveErrorKind;
  readonly message: string;
}

/** Bad options or environment: fails before any request is sent. */
export class ConfigurationError extends CoreweaveError {
  readonly kind = "configuration";
}

/** The deployment ID cannot be sent safely (empty, `/`, `..`, control characters, too long). */
export class InvalidDeploymentIdError extends CoreweaveError {
  readonly kind = "invalid_deployment_id";
}

/** A non-2xx answer from the API. Subclasses name the common cases. */
export class CoreweaveApiError extends CoreweaveError {
  readonly kind: CoreweaveErrorKind = "api_error";
}
export class DeploymentNotFoundError extends CoreweaveApiError {
  override readonly kind = "not_found";
}
export class UnauthenticatedError extends CoreweaveApiError {
  override readonly kind = "unauthenticated";
}
export class PermissionDeniedError extends CoreweaveApiError {
  override readonly kind = "permission_denied";
}
export class InvalidArgumentError extends CoreweaveApiError {
  override readonly kind = "invalid_argument";
}
export class RateLimitedError extends CoreweaveApiError {
  override readonly kind = "rate_limited";
}
/** 5xx (including 501 Unimplemented) and 408. */
export class ServerError extends CoreweaveApiError {
  override readonly kind = "server_error";
}

/** An attempt, or the whole lookup, ran out of time. */
export class ApiTimeoutError extends CoreweaveError {
  readonly kind = "timeout";
}
/** No HTTP answer at all: refused, reset, DNS, TLS. */
export class ApiConnectionError extends CoreweaveError {
  readonly kind = "connection";
}
/** A 2xx answer whose body is not JSON or does not match the schema. */
export class InvalidResponseError extends CoreweaveError {
  readonly kind = "invalid_response";
}
/** A body larger than the configured cap; reading stopped at the cap. */
export class ResponseTooLargeError extends CoreweaveError {
  readonly kind = "response_too_large";
}

const ERROR_CLASSES: Record<
  CoreweaveErrorKind,
  new (message: string, fields?: CoreweaveErrorFields) => CoreweaveError
> = {
  configuration: ConfigurationError,
  invalid_deployment_id: InvalidDeploymentIdError,
  not_found: DeploymentNotFoundError,
  unauthenticated: UnauthenticatedError,
  permission_denied: PermissionDeniedError,
  invalid_argument: InvalidArgumentError,
  rate_limited: RateLimitedError,
  server_error: ServerError,
  api_error: CoreweaveApiError,
  timeout: ApiTimeoutError,
  connection: ApiConnectionError,
  invalid_response: InvalidResponseError,
  response_too_large: ResponseTooLargeError,
};

/** Rebuilds a typed error from its `toJSON()` form (used across the lookup worker boundary). */
export function deserializeError(data: SerializedCoreweaveError): CoreweaveError {
  const ErrorClass = ERROR_CLASSES[data.kind] ?? CoreweaveApiError;
  const { name: _name, kind: _kind, message, ...fields } = data;
  return new ErrorClass(message, fields);
}

/** `google.rpc.Code` names, indexed by number. */
export const GRPC_CODE_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

// The canonical HTTP mapping of google.rpc.Code.
const GRPC_CODE_FOR_HTTP: Record<number, (typeof GRPC_CODE_NAMES)[number]> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  408: "DEADLINE_EXCEEDED",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

/** The `google.rpc.Code` name an HTTP status stands for, when a body carries no code. */
export function grpcCodeForHttpStatus(httpStatus: number): (typeof GRPC_CODE_NAMES)[number] {
  return GRPC_CODE_FOR_HTTP[httpStatus] ?? (httpStatus >= 500 ? "INTERNAL" : "UNKNOWN");
}

/** What a `google.rpc.Status` body told us, in safe, bounded form. */
export interface RpcStatusSummary {
  readonly grpcCode?: string;
  readonly apiMessage?: string;
  /** Short descriptions of `details[]` (field violations, error reasons). */
  readonly details: readonly string[];
  /** `google.rpc.RetryInfo.retryDelay`, in milliseconds. */
  readonly retryDelayMs?: number;
}

const MAX_TEXT = 300;
export const REDACTED = "[REDACTED]";

/** Replaces every occurrence of a secret. Apply before any truncation, so no part survives. */
export function redactSecret(text: string, secret: string): string {
  return secret === "" ? text : text.split(secret).join(REDACTED);
}

/** Strips control characters and bounds length, so a hostile body cannot flood a log. */
export function sanitizeText(text: string, max = MAX_TEXT): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
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
  const code = body.code;
  const grpcCode =
    typeof code === "number" && Number.isInteger(code) ? GRPC_CODE_NAMES[code] : undefined;
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

/** Builds the typed error for a non-2xx answer. */
export function errorFromHttpStatus(
  httpStatus: number,
  rpc: RpcStatusSummary,
  deploymentId: string,
  attempts: number,
): CoreweaveApiError {
  const grpcCode = rpc.grpcCode ?? grpcCodeForHttpStatus(httpStatus);
  const [ErrorClass, advice] = classify(httpStatus, attempts);
  const said = [rpc.apiMessage, ...rpc.details].filter(Boolean).join("; ");
  const message =
    `CoreWeave GET deployment "${deploymentId}" failed: HTTP ${httpStatus} ${grpcCode}` +
    `${said ? `: ${said}` : ""}. ${advice}`;
  return new ErrorClass(message, {
    deploymentId,
    httpStatus,
    grpcCode,
    apiMessage: rpc.apiMessage,
    attempts,
  });
}

function classify(
  httpStatus: number,
  attempts: number,
): [new (message: string, fields?: CoreweaveErrorFields) => CoreweaveApiError, string] {
  const tried = attempts > 1 ? ` Gave up after ${attempts} attempts.` : "";
  switch (httpStatus) {
    case 400:
      return [InvalidArgumentError, "The API rejected the request: check the deployment ID."];
    case 401:
      return [
        UnauthenticatedError,
        "Check COREWEAVE_API_TOKEN (or the apiToken prop): the token is missing, expired or not valid for this endpoint.",
      ];
    case 403:
      return [
        PermissionDeniedError,
        "The token is valid but may not read this deployment: grant it an IAM access policy that allows reading inference deployments in this organization.",
      ];
    case 404:
      return [
        DeploymentNotFoundError,
        "Check the deployment ID, and that COREWEAVE_API_ENDPOINT and the token belong to the organization that owns it.",
      ];
    case 429:
      return [
        RateLimitedError,
        `The API is rate limiting this token.${tried} Retry later, or look up fewer deployments at once.`,
      ];
    case 501:
      return [
        ServerError,
        "This endpoint does not implement GET deployment (not retried): check that COREWEAVE_API_ENDPOINT points at the CoreWeave Inference API.",
      ];
    default:
      if (httpStatus >= 500 || httpStatus === 408) {
        return [ServerError, `The API failed on its side.${tried} Retry later.`];
      }
      return [CoreweaveApiError, "The API refused the request (not retried)."];
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stripUndefined<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
