/**
 * `cdktf-coreweave-inference/client`: the CDKTF-free layer, for scripts, CLIs and other IaC
 * tools. The async HTTP client and its options, waiting for readiness, the API's data types, and
 * one error class per way a call can fail (`DeploymentLookupError.reason` is one of them).
 * Importing it loads neither cdktf nor cdktn, and starts no worker thread.
 */
export { CoreweaveInferenceClient } from "./api/coreweave-inference-client";
export type {
  CoreweaveClientOptions,
  GetDeploymentOptions,
} from "./api/coreweave-inference-client";
export { MAX_REQUESTS_IN_FLIGHT } from "./api/concurrency";
export { CONNECTION_DEFAULTS, DEFAULT_ENDPOINT, ENDPOINT_ENV, TOKEN_ENV } from "./api/connection";
export type {
  ConnectionOptionNames,
  ConnectionOptions,
  ResolvedConnection,
} from "./api/connection";
export { DEFAULT_RETRY_POLICY } from "./api/retry";
export type { BackoffOptions, RetryPolicy } from "./api/retry";

// What "ready" means, and waiting until a deployment is
export { describeNotReady, evaluateReadiness, policyWarnings } from "./api/readiness";
export type {
  FreshnessBound,
  ReadinessPolicy,
  ReadinessVerdict,
  ResolvedReadinessPolicy,
} from "./api/readiness";
export {
  DEFAULT_POLL_INTERVAL_MS,
  resolveWaitOptions,
  waitForReady,
  waitOutcomeError,
} from "./api/wait";
export type {
  ResolvedWaitOptions,
  WaitClient,
  WaitHooks,
  WaitObservation,
  WaitOptions,
  WaitOutcome,
} from "./api/wait";

// Errors
export {
  ApiConnectionError,
  ApiTimeoutError,
  ConfigurationError,
  CoreweaveApiError,
  CoreweaveError,
  DeploymentNotFoundError,
  DeploymentNotReadyError,
  DeploymentTerminalError,
  InvalidArgumentError,
  InvalidDeploymentIdError,
  InvalidResponseError,
  PermissionDeniedError,
  ProtocolError,
  RateLimitedError,
  ResponseTooLargeError,
  ServerError,
  TlsError,
  UnauthenticatedError,
  WaitTimeoutError,
} from "./api/errors";
export type {
  CoreweaveErrorFields,
  CoreweaveErrorKind,
  SerializedCoreweaveError,
} from "./api/errors";

// The API's data
export { KNOWN_DEPLOYMENT_STATUSES } from "./api/deployment";
export type {
  CapacityClass,
  ConditionStatus,
  Deployment,
  DeploymentAutoscaling,
  DeploymentCondition,
  DeploymentModel,
  DeploymentResources,
  DeploymentRuntime,
  DeploymentSpec,
  DeploymentStatus,
  DeploymentStatusBlock,
  DeploymentTraffic,
  GetDeploymentResponseJson,
  KnownDeploymentStatus,
  WireCondition,
} from "./api/deployment";
