/**
 * `cdktf-coreweave-inference`: what a stack author uses. The CDKTF-free HTTP client, its options
 * and the API's error classes and data types are in `cdktf-coreweave-inference/client`; the
 * emulator and fixtures in `cdktf-coreweave-inference/testing`.
 */
// First: starts the lookup thread early when a live lookup is likely (see the module).
import "./lookup/lookup-thread";

// The constructs, and what they throw
export { CoreweaveDeploymentData } from "./datasources/coreweave-deployment-data";
export { DeploymentFieldMissingError, DeploymentLookupError } from "./datasources/lookup-errors";
export type { CoreweaveDeploymentDataProps } from "./datasources/coreweave-deployment-data";
export { DeploymentReadinessGate } from "./constructs/deployment-readiness-gate";
export type { DeploymentReadinessGateProps } from "./constructs/deployment-readiness-gate";
export { DEFAULT_GATE_MAX_AGE_MS, GATE_MAX_AGE_ENV } from "./constructs/gate-on-lookup";
export type { GateResourceType } from "./constructs/gate-on-lookup";

// The Terraform elements the constructs create, typed for cdktf and cdktn alike
export type { TerraformDependable, TerraformResourceElement } from "./terraform/element-types";

// Untrusted text of your own, made safe for Terraform the way the constructs do it
export { isTokenShaped, toTerraformLiteral } from "./terraform/literals";

// Where lookups come from
export {
  LOOKUP_CLOCK_SKEW_MS,
  LOOKUP_FILE_ENV,
  LOOKUP_FILE_NAME,
  LOOKUP_MODE_CONTEXT,
  LOOKUP_MODE_ENV,
} from "./lookup/deployment-source";
export type {
  DeploymentLookupRequest,
  DeploymentLookupResult,
  DeploymentSource,
  LookupMode,
} from "./lookup/deployment-source";
export { LiveDeploymentSource } from "./lookup/live-deployment-source";
export { RecordingDeploymentSource } from "./lookup/recording-deployment-source";
export { LookupNotRecordedError, ReplayDeploymentSource } from "./lookup/replay-deployment-source";

// What "ready" means, and how a lookup waits for it
export type { ReadinessPolicy, ReadinessVerdict, ResolvedReadinessPolicy } from "./api/readiness";
export type { ResolvedWaitOptions, WaitOptions } from "./api/wait";
