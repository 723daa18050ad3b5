/**
 * One error class per way a deployment lookup can fail, the `kind`/`toJSON` round trip that
 * carries them across the lookup thread boundary, and the `google.rpc.Code` names their
 * `grpcCode` holds. Every message says what to do, and names the deployment ID where there is
 * one (an API call's are worded in `messages.ts`). No error ever holds the API token, the request
 * headers or a raw body: messages and `toJSON()` are built from a fixed set of safe fields.
 */
import { withoutUndefined } from "./text";

/** One name per error class: the keys of {@link ERROR_CLASSES}. */
export type CoreweaveErrorKind = keyof typeof ERROR_CLASSES;

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
  /** How long the API asked to wait before asking again (`Retry-After`), in milliseconds. */
  readonly retryAfterMs?: number;
}

export abstract class CoreweaveError extends Error implements CoreweaveErrorFields {
  /** Set on each class's prototype from {@link ERROR_CLASSES}. */
  declare readonly kind: CoreweaveErrorKind;
  // `declare`: set only when known, so inspect output shows no `undefined` noise.
  declare readonly deploymentId?: string;
  declare readonly httpStatus?: number;
  declare readonly grpcCode?: string;
  declare readonly apiMessage?: string;
  declare readonly attempts?: number;
  declare readonly retryAfterMs?: number;

  /**
   * The message says everything a user can act on, so an uncaught error (a failed synth, a
   * script) prints as that one line: the stack is the message alone, and the typed fields are
   * not enumerable, so Node prints no `{ kind: ..., deploymentId: ... }` block after it.
   */
  constructor(message: string, fields: CoreweaveErrorFields = {}) {
    super(message);
    this.name = new.target.name;
    this.stack = `${this.name}: ${message}`;
    for (const [key, value] of Object.entries(withoutUndefined(fields))) {
      Object.defineProperty(this, key, { value, enumerable: false });
    }
  }

  /** A plain, token-free view; also what crosses from the lookup thread. */
  toJSON(): SerializedCoreweaveError {
    return {
      name: this.name,
      kind: this.kind,
      message: this.message,
      ...withoutUndefined({
        deploymentId: this.deploymentId,
        httpStatus: this.httpStatus,
        grpcCode: this.grpcCode,
        apiMessage: this.apiMessage,
        attempts: this.attempts,
        retryAfterMs: this.retryAfterMs,
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
  declare readonly kind: "configuration";
}

/** The deployment ID cannot be sent safely (empty, `/`, `..`, invisible characters, too long). */
export class InvalidDeploymentIdError extends CoreweaveError {
  declare readonly kind: "invalid_deployment_id";
}

/** A non-2xx answer from the API. Subclasses name the common cases. */
export class CoreweaveApiError extends CoreweaveError {}
export class DeploymentNotFoundError extends CoreweaveApiError {
  declare readonly kind: "not_found";
}
export class UnauthenticatedError extends CoreweaveApiError {
  declare readonly kind: "unauthenticated";
}
export class PermissionDeniedError extends CoreweaveApiError {
  declare readonly kind: "permission_denied";
}
export class InvalidArgumentError extends CoreweaveApiError {
  declare readonly kind: "invalid_argument";
}
export class RateLimitedError extends CoreweaveApiError {
  declare readonly kind: "rate_limited";
}
/** 5xx (including 501 Unimplemented) and 408. */
export class ServerError extends CoreweaveApiError {
  declare readonly kind: "server_error";
}

/** An attempt, or the whole lookup, ran out of time. */
export class ApiTimeoutError extends CoreweaveError {
  declare readonly kind: "timeout";
}
/** No usable HTTP answer: refused, reset, DNS (retried), or a subclass below (never retried). */
export class ApiConnectionError extends CoreweaveError {}
/**
 * The TLS handshake failed, most often because the server's certificate could not be verified
 * (a private CA, a self-signed or expired certificate, a name mismatch). Never retried.
 */
export class TlsError extends ApiConnectionError {
  declare readonly kind: "tls";
}
/**
 * The server was reached but answered with something that is not valid HTTP (a garbage status
 * line, headers over the size limit): the endpoint is not an HTTP API. Never retried.
 */
export class ProtocolError extends ApiConnectionError {
  declare readonly kind: "protocol";
}
/**
 * A 2xx answer that cannot be used: not UTF-8 JSON, an unexpected `Content-Encoding`, a body that
 * does not match the schema or describes another deployment, or one that echoes the API token.
 */
export class InvalidResponseError extends CoreweaveError {
  declare readonly kind: "invalid_response";
}
/** A body larger than the configured cap; reading stopped at the cap. */
export class ResponseTooLargeError extends CoreweaveError {
  declare readonly kind: "response_too_large";
}

/** A wait for readiness ran out of time; the message names the last status and each blocker. */
export class WaitTimeoutError extends CoreweaveError {
  declare readonly kind: "wait_timeout";
}
/** Cannot become ready by itself (`STATUS_FAILED`, `STATUS_ERROR`, disabled): a wait ends now. */
export class DeploymentTerminalError extends CoreweaveError {
  declare readonly kind: "terminal";
}
/**
 * Not ready, in facts that cannot change while waiting (a replayed lookup file, an in-memory
 * source): a lookup with `wait` fails at once, since nothing could change by waiting. The message
 * names each blocker.
 */
export class DeploymentNotReadyError extends CoreweaveError {
  declare readonly kind: "not_ready";
}

const ERROR_CLASSES = {
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
  tls: TlsError,
  protocol: ProtocolError,
  invalid_response: InvalidResponseError,
  response_too_large: ResponseTooLargeError,
  wait_timeout: WaitTimeoutError,
  terminal: DeploymentTerminalError,
  not_ready: DeploymentNotReadyError,
};

for (const [kind, ErrorClass] of Object.entries(ERROR_CLASSES)) {
  Object.defineProperty(ErrorClass.prototype, "kind", { value: kind, enumerable: false });
}

/** Rebuilds a typed error from its `toJSON()` form (used across the lookup thread boundary). */
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

export type GrpcCodeName = (typeof GRPC_CODE_NAMES)[number];

// The canonical HTTP mapping of google.rpc.Code.
const GRPC_CODE_FOR_HTTP: Record<number, GrpcCodeName> = {
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
export function grpcCodeForHttpStatus(httpStatus: number): GrpcCodeName {
  return GRPC_CODE_FOR_HTTP[httpStatus] ?? (httpStatus >= 500 ? "INTERNAL" : "UNKNOWN");
}

/**
 * Throws `error` so that a jsii host (a Python app, through the jsii kernel) shows it as the one
 * line it is, as Node does. The kernel turns a JavaScript error into the host's exception: from a
 * constructor, with the error's message and its stack as the cause; from a getter or a method
 * (`app.synth()` included), wrapped, with `String(error)` (`Name: message`) as the message and the
 * kernel's frames as the cause. So, under a host (the kernel sets `JSII_AGENT`), the error's
 * string is its message, and no stack is captured until the kernel has built its wrapper. In
 * Node, the error is thrown as it is.
 */
export function throwOneLine(error: unknown): never {
  if (process.env.JSII_AGENT && error instanceof Error) {
    const { message } = error;
    Object.defineProperty(error, "toString", { value: () => message, enumerable: false });
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    queueMicrotask(() => {
      Error.stackTraceLimit = limit;
    });
  }
  throw error;
}
