/**
 * The constructs for jsii languages (Python: `cdktn_coreweave_inference`,
 * `cdktf_coreweave_inference`): the entry point of the jsii packages that
 * `npm run package:python` builds, one per CDK library, from this source. Not part of the npm
 * package, whose TypeScript entry points are `src/index.ts`, `src/client.ts` and
 * `src/testing/index.ts`. See docs/python.md.
 */
export { CoreweaveDeploymentData } from "./coreweave-deployment-data";
export { DeploymentReadinessGate } from "./deployment-readiness-gate";
export type { DeploymentReadinessGateProps } from "./deployment-readiness-gate";
export { GateResourceType } from "./structs";
export type {
  ConnectionProps,
  CoreweaveDeploymentDataProps,
  Deployment,
  DeploymentAutoscaling,
  DeploymentCondition,
  DeploymentModel,
  DeploymentResources,
  DeploymentRuntime,
  DeploymentSpec,
  DeploymentStatusBlock,
  DeploymentTraffic,
  ReadinessPolicy,
  ReadinessVerdict,
  WaitOptions,
} from "./structs";
