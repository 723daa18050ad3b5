/**
 * What a non-2xx answer means: `google.rpc.Code` tables, reading of `google.rpc.Status` bodies,
 * and the mapping of an HTTP status to its typed error and advice.
 */
import {
  CoreweaveApiError,
  type CoreweaveErrorFields,
  DeploymentNotFoundError,
  InvalidArgumentError,
  PermissionDeniedError,
  RateLimitedError,
  ServerError,
  UnauthenticatedError,
} from "./errors";
import { sanitizeText } from "./text";
import { isRecord } from "./plain-data";

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

/**
 * Builds the typed error for a non-2xx answer. `location` is the redirect target of a 3xx,
 * already redacted and cleaned by the caller.
 */
export function errorFromHttpStatus(
  httpStatus: number,
  rpc: RpcStatusSummary,
  deploymentId: string,
  attempts: number,
  answer: {
    readonly location?: string;
    readonly retryAfterMs?: number;
    /** How the caller names the token option; absent where the token comes from the env only. */
    readonly tokenOption?: string;
  } = {},
): CoreweaveApiError {
  const { location, retryAfterMs, tokenOption } = answer;
  const grpcCode = rpc.grpcCode ?? grpcCodeForHttpStatus(httpStatus);
  const [ErrorClass, advice] = classify(httpStatus, attempts, location, tokenOption);
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
    retryAfterMs,
  });
}

function classify(
  httpStatus: number,
  attempts: number,
  location: string | undefined,
  tokenOption: string | undefined,
): [new (message: string, fields?: CoreweaveErrorFields) => CoreweaveApiError, string] {
  const tried = attempts > 1 ? ` Gave up after ${attempts} attempts.` : "";
  switch (httpStatus) {
    case 400:
      return [InvalidArgumentError, "The API rejected the request: check the deployment ID."];
    case 401:
      return [
        UnauthenticatedError,
        `Check COREWEAVE_API_TOKEN${tokenOption === undefined ? "" : ` (or ${tokenOption})`}: ` +
          "the token is missing, expired or not valid for this endpoint.",
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
      if (httpStatus >= 300 && httpStatus < 400) {
        const target =
          location === undefined || location === ""
            ? "without a Location"
            : `to ${JSON.stringify(location)}`;
        return [
          CoreweaveApiError,
          `The endpoint answered with a redirect ${target}, which is not followed, so the token ` +
            "goes only to the configured endpoint (not retried). If the redirect target is the " +
            "API's address and you trust it, set COREWEAVE_API_ENDPOINT to it.",
        ];
      }
      return [CoreweaveApiError, "The API refused the request (not retried)."];
  }
}
