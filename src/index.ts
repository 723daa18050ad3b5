// Constructs
export * from "./datasources/coreweave-deployment-data";
export * from "./constructs/deployment-readiness-gate";

// Where lookups come from
export type {
  DeploymentLookupRequest,
  DeploymentLookupResult,
  DeploymentSource,
  LookupConnection,
} from "./lookup/deployment-source";
export { LiveDeploymentSource } from "./lookup/live-deployment-source";

// The CDKTF-free API layer
export { CLIENT_DEFAULTS, CoreweaveInferenceClient } from "./api/client";
export type { CoreweaveClientOptions } from "./api/client";
export { DEFAULT_ENDPOINT, ENDPOINT_ENV, TOKEN_ENV } from "./api/config";
export { MAX_DEPLOYMENT_ID_LENGTH } from "./api/deployment-id";
export {
  ApiConnectionError,
  ApiTimeoutError,
  ConfigurationError,
  CoreweaveApiError,
  CoreweaveError,
  DeploymentNotFoundError,
  InvalidArgumentError,
  InvalidDeploymentIdError,
  InvalidResponseError,
  PermissionDeniedError,
  RateLimitedError,
  ResponseTooLargeError,
  ServerError,
  UnauthenticatedError,
} from "./api/errors";
export type {
  CoreweaveErrorFields,
  CoreweaveErrorKind,
  SerializedCoreweaveError,
} from "./api/errors";
export { describeNotReady, evaluateReadiness, resolveReadinessPolicy } from "./api/readiness";
export type { ReadinessPolicy, ReadinessVerdict, ResolvedReadinessPolicy } from "./api/readiness";
export { DEFAULT_RETRY_POLICY } from "./api/retry";
export type { RetryPolicy } from "./api/retry";
export {
  getDeploymentResponseSchema,
  KNOWN_DEPLOYMENT_STATUSES,
  parseGetDeploymentResponse,
} from "./api/schema";
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
  ParseResult,
  SchemaViolation,
} from "./api/schema";
