/**
 * The words of a failed API call: the typed error, message and advice for each way an attempt
 * can fail (see `failures.ts`), built here and nowhere else, so every such message starts the
 * same way and points to the same options.
 */
import { ENDPOINT_ENV, TOKEN_ENV } from "./connection";
import {
  ApiConnectionError,
  ApiTimeoutError,
  CoreweaveApiError,
  type CoreweaveError,
  DeploymentNotFoundError,
  grpcCodeForHttpStatus,
  InvalidArgumentError,
  InvalidResponseError,
  PermissionDeniedError,
  ProtocolError,
  RateLimitedError,
  ResponseTooLargeError,
  ServerError,
  TlsError,
  UnauthenticatedError,
} from "./errors";
import {
  certificateProblem,
  type FailedAttempt,
  type InvalidResponseProblem,
  type LookupContext,
  type RpcStatusSummary,
} from "./failures";

/** How every message about the call begins. */
function subject(deploymentId: string): string {
  return `CoreWeave GET deployment "${deploymentId}"`;
}

/** ", or raise <option>" where the interface has the option; nothing where it has not. */
function orRaise(option: string | undefined): string {
  return option === undefined ? "" : `, or raise ${option}`;
}

/** The error a user sees for the last failed attempt (`deadlineReached`: no time for another). */
export function failureToError(
  failed: FailedAttempt,
  context: LookupContext,
  attempts: number,
  deadlineReached: boolean,
): CoreweaveError {
  const { deploymentId, origin, names } = context;
  const call = subject(deploymentId);
  const counted = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
  switch (failed.type) {
    case "http":
      return errorFromHttpStatus(failed.status, failed.rpc, deploymentId, attempts, {
        ...failed,
        tokenOption: names.apiToken,
      });
    case "timeout":
      if (deadlineReached) {
        return new ApiTimeoutError(
          `${call} timed out: no complete answer from ${origin} within the overall deadline ` +
            `of ${context.deadlineMs} ms (${counted}). Check that ${ENDPOINT_ENV} is ` +
            `reachable from this machine${orRaise(names.deadlineMs)}.`,
          { deploymentId, attempts },
        );
      }
      return new ApiTimeoutError(
        `${call} timed out: an attempt got no complete answer from ${origin} within ` +
          `${failed.timeoutMs} ms (${counted}). Check the network path to ` +
          `${ENDPOINT_ENV}${orRaise(names.attemptTimeoutMs)}.`,
        { deploymentId, attempts },
      );
    case "connection":
      return new ApiConnectionError(
        `${call} could not reach ${origin}: ${failed.reason} (${counted}). ` +
          `Check ${ENDPOINT_ENV} and that this machine can reach it.`,
        { deploymentId, attempts },
      );
    case "tls":
      return new TlsError(
        `${call}: the TLS handshake with ${origin} failed, so the request was not sent: ` +
          `${failed.reason} (${counted}; not retried: retrying cannot fix it). ` +
          tlsAdvice(failed.code),
        { deploymentId, attempts },
      );
    case "protocol":
      return new ProtocolError(
        `${call}: ${origin} was reached but answered with something that is not valid HTTP ` +
          `(${failed.reason}) (${counted}; not retried). Check that ${ENDPOINT_ENV} ` +
          "points at the CoreWeave API, with the right port, and not at another kind of service.",
        { deploymentId, attempts },
      );
    case "response_too_large":
      return new ResponseTooLargeError(
        `${call}: HTTP ${failed.status} response body exceeds ${context.maxResponseBytes} ` +
          "bytes; reading stopped at the cap." +
          (names.maxResponseBytes === undefined
            ? ""
            : ` If such a large deployment is expected, raise ${names.maxResponseBytes}.`),
        { deploymentId, httpStatus: failed.status, attempts },
      );
    case "invalid_response": {
      const [why, advice] = describeInvalidResponse(failed.problem, failed.detail);
      return new InvalidResponseError(
        `${call} returned HTTP ${failed.status} with an invalid body: ${why}. ${advice}`,
        { deploymentId, httpStatus: failed.status, attempts },
      );
    }
  }
}

/**
 * The error of a call whose request was never sent: it waited for one of the client's request
 * slots (`maxConcurrentRequests`) for its whole deadline. Not the endpoint's fault.
 */
export function queuedThroughoutError(context: LookupContext, slots: number): CoreweaveError {
  const { deploymentId, deadlineMs, names } = context;
  return new ApiTimeoutError(
    `${subject(deploymentId)} timed out before its request was sent: all ${slots} of the ` +
      `client's request slots stayed busy for the whole deadline of ${deadlineMs} ms. Look up ` +
      `fewer deployments at once${orRaise(names.deadlineMs)}.`,
    { deploymentId, attempts: 0 },
  );
}

/** Builds the typed error for a non-2xx answer. */
export function errorFromHttpStatus(
  httpStatus: number,
  rpc: RpcStatusSummary,
  deploymentId: string,
  attempts: number,
  answer: {
    /** The redirect target of a 3xx, already redacted and cleaned by the caller. */
    readonly location?: string;
    readonly retryAfterMs?: number;
    /** How the caller names the token option; absent where the token comes from the env only. */
    readonly tokenOption?: string;
  } = {},
): CoreweaveApiError {
  const { location, retryAfterMs, tokenOption } = answer;
  const grpcCode = rpc.grpcCode ?? grpcCodeForHttpStatus(httpStatus);
  const [ErrorClass, advice] = httpStatusAdvice(httpStatus, attempts, location, tokenOption);
  const said = [rpc.apiMessage, ...rpc.details].filter(Boolean).join("; ");
  const message =
    `${subject(deploymentId)} failed: HTTP ${httpStatus} ${grpcCode}` +
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

/** The error class of an HTTP status, and what to do about it. */
function httpStatusAdvice(
  httpStatus: number,
  attempts: number,
  location: string | undefined,
  tokenOption: string | undefined,
): [typeof CoreweaveApiError, string] {
  const tried = attempts > 1 ? ` Gave up after ${attempts} attempts.` : "";
  switch (httpStatus) {
    case 400:
      return [InvalidArgumentError, "The API rejected the request: check the deployment ID."];
    case 401:
      return [
        UnauthenticatedError,
        `Check ${TOKEN_ENV}${tokenOption === undefined ? "" : ` (or ${tokenOption})`}: ` +
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
        `Check the deployment ID, and that ${ENDPOINT_ENV} and the token belong to the organization that owns it.`,
      ];
    case 429:
      return [
        RateLimitedError,
        `The API is rate limiting this token.${tried} Retry later, or look up fewer deployments at once.`,
      ];
    case 501:
      return [
        ServerError,
        `This endpoint does not implement GET deployment (not retried): check that ${ENDPOINT_ENV} points at the CoreWeave Inference API.`,
      ];
    default:
      if (httpStatus >= 500 || httpStatus === 408) {
        return [ServerError, `The API failed on its side.${tried} Retry later.`];
      }
      if (httpStatus >= 300 && httpStatus < 400) {
        const target = location ? `to ${JSON.stringify(location)}` : "without a Location";
        return [
          CoreweaveApiError,
          `The endpoint answered with a redirect ${target}, which is not followed, so the token ` +
            "goes only to the configured endpoint (not retried). If the redirect target is the " +
            `API's address and you trust it, set ${ENDPOINT_ENV} to it.`,
        ];
      }
      return [CoreweaveApiError, "The API refused the request (not retried)."];
  }
}

const CHECK_ENDPOINT = `Check that ${ENDPOINT_ENV} points at the CoreWeave Inference API`;
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
  const problem = code === undefined ? undefined : certificateProblem(code);
  if (problem === undefined) {
    return (
      `Check that ${ENDPOINT_ENV} is an https endpoint (https:// to a plain-http port ` +
      `fails like this) and that nothing on the way intercepts TLS. ${PRIVATE_CA}`
    );
  }
  const notFixed = (what: string) =>
    `(NODE_EXTRA_CA_CERTS trusts a private CA; it does not fix ${what}.)`;
  const advice = {
    trust: `the server's certificate is not signed by a CA this machine trusts. ${PRIVATE_CA}`,
    name:
      "the certificate is not issued for this host. Check the host name in " +
      `${ENDPOINT_ENV}. ${notFixed("a name mismatch")}`,
    date:
      "the certificate is expired or not yet valid. Check this machine's clock and the " +
      `endpoint's certificate. ${notFixed("dates")}`,
  };
  return `The certificate check failed: ${advice[problem]}`;
}
