// First: starts the lookup worker early when a live lookup is likely (see the module).
import "./lookup/sync-lookup-worker";

// Constructs
export {
  CoreweaveDeploymentData,
  DeploymentFieldMissingError,
  DeploymentLookupError,
} from "./datasources/coreweave-deployment-data";
export type { CoreweaveDeploymentDataProps } from "./datasources/coreweave-deployment-data";
export {
  DEFAULT_GATE_MAX_AGE_MS,
  LOOKUP_CLOCK_SKEW_MS,
  DeploymentReadinessGate,
  GATE_MAX_AGE_ENV,
} from "./constructs/deployment-readiness-gate";
export type {
  DeploymentReadinessGateProps,
  GateResourceType,
} from "./constructs/deployment-readiness-gate";

// Untrusted text of your own, made safe for Terraform the way the constructs do it
export { isTokenShaped, toTerraformLiteral } from "./terraform/literals";

// Where lookups come from
export { LiveDeploymentSource } from "./lookup/live-deployment-source";
export {
  LOOKUP_FILE_ENV,
  LOOKUP_FILE_NAME,
  LOOKUP_MODE_ENV,
  LOOKUP_MODES,
} from "./lookup/deployment-source";
export type { LookupMode } from "./lookup/deployment-source";
export { RecordingDeploymentSource } from "./lookup/lookup-file";
export { LookupNotRecordedError, ReplayDeploymentSource } from "./lookup/lookup-file";
export { LOOKUP_MODE_CONTEXT } from "./lookup/deployment-source";
export type {
  DeploymentLookupRequest,
  DeploymentLookupResult,
  DeploymentSource,
} from "./lookup/deployment-source";

// The CDKTF-free API layer
export { CoreweaveInferenceClient } from "./api/client";
export type { CoreweaveClientOptions } from "./api/client";
export { CONNECTION_DEFAULTS } from "./api/connection";
export type { ConnectionOptions } from "./api/connection";
export { DEFAULT_ENDPOINT, ENDPOINT_ENV, TOKEN_ENV } from "./api/connection";
export {
  ApiConnectionError,
  ApiTimeoutError,
  ConfigurationError,
  CoreweaveApiError,
  CoreweaveError,
  DeploymentNotFoundError,
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
export { describeNotReady, evaluateReadiness, policyWarnings } from "./api/readiness";
export type {
  FreshnessBound,
  ReadinessPolicy,
  ReadinessVerdict,
  ResolvedReadinessPolicy,
} from "./api/readiness";
export { resolveWaitOptions, waitForReady, waitOutcomeError } from "./api/wait";
export type {
  ResolvedWaitOptions,
  WaitHooks,
  WaitObservation,
  WaitOptions,
  WaitOutcome,
} from "./api/wait";
export { DEFAULT_RETRY_POLICY } from "./api/retry";
export type { RetryPolicy } from "./api/retry";
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
  KnownDeploymentStatus,
} from "./api/deployment";
