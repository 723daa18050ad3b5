/**
 * The data types of the jsii constructs (Python...): what a deployment is, what ready means, and
 * the props. They are the TypeScript package's types in the shapes jsii can carry (readonly
 * fields, plain `string` for the API's open enums, mutable arrays), checked against them below
 * at compile time, so the two can never tell a different story.
 */
import type * as Api from "../api/deployment";
import type * as Connection from "../api/connection";
import type * as Readiness from "../api/readiness";
import type * as Wait from "../api/wait";

/** `spec.model`: where the model's weights are. */
export interface DeploymentModel {
  readonly name: string;
  readonly bucket: string;
  readonly path: string;
}

/** `spec.runtime`: the serving engine. */
export interface DeploymentRuntime {
  /** e.g. `vllm`. */
  readonly engine: string;
  /** @default not reported */
  readonly version?: string;
  /** @default not reported */
  readonly engineConfig?: { readonly [key: string]: string };
}

/** `spec.resources`: the machines the deployment runs on. */
export interface DeploymentResources {
  readonly instanceType: string;
  readonly gpuCount: number;
}

/** `spec.autoscaling`. */
export interface DeploymentAutoscaling {
  readonly min: number;
  readonly max: number;
  /** @default not reported */
  readonly priority?: number;
  /** @default not reported */
  readonly concurrency?: number;
  /** `CAPACITY_CLASS_RESERVED`, `CAPACITY_CLASS_ON_DEMAND`, or a class this library does not know. */
  readonly capacityClasses: string[];
}

/** `spec.traffic`. */
export interface DeploymentTraffic {
  /** @default not reported */
  readonly weight?: number;
}

/** One `status.conditions[]` entry. */
export interface DeploymentCondition {
  /** e.g. `Ready`. */
  readonly type: string;
  /** `True`, `False`, `Unknown`; only `True` counts as true. */
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  /** @default not reported */
  readonly zone?: string;
  /** RFC 3339. @default not reported */
  readonly lastUpdateTime?: string;
}

/** `deployment.spec`, proto3 zero values filled in. */
export interface DeploymentSpec {
  readonly id: string;
  readonly name: string;
  readonly gatewayIds: string[];
  /** @default not reported */
  readonly runtime?: DeploymentRuntime;
  /** @default not reported */
  readonly resources?: DeploymentResources;
  /** @default not reported */
  readonly model?: DeploymentModel;
  /** @default not reported */
  readonly autoscaling?: DeploymentAutoscaling;
  /** @default not reported */
  readonly traffic?: DeploymentTraffic;
  readonly organizationId: string;
  readonly disabled: boolean;
}

/** `deployment.status`. */
export interface DeploymentStatusBlock {
  /** RFC 3339. @default not reported */
  readonly createdAt?: string;
  /** RFC 3339. @default not reported */
  readonly updatedAt?: string;
  readonly conditions: DeploymentCondition[];
  /** A `STATUS_*` value; `STATUS_UNSPECIFIED` when absent; unknown values are kept as sent. */
  readonly status: string;
}

/** A validated deployment, as the API sent it (raw text: not Terraform-safe). */
export interface Deployment {
  readonly spec: DeploymentSpec;
  readonly status: DeploymentStatusBlock;
}

/** What "ready" means, with the defaults applied. */
export interface ReadinessPolicy {
  /** Statuses that count as ready. */
  readonly acceptedStatuses: string[];
  /** Condition types that must be present and `True`. @default every condition reported */
  readonly requiredConditions?: string[];
  /** Whether a disabled deployment may count as ready. */
  readonly allowDisabled: boolean;
}

/** What a gate decided at synth time. */
export interface ReadinessVerdict {
  readonly ready: boolean;
  /** One line per reason the deployment is not ready; empty when ready. */
  readonly blockers: string[];
  /** Why waiting cannot help. @default absent: waiting might help */
  readonly terminal?: string;
}

/** How to reach the CoreWeave API. */
export interface ConnectionProps {
  /**
   * Base URL of the CoreWeave API. Plain http is accepted only for loopback addresses.
   * @default COREWEAVE_API_ENDPOINT, else https://api.coreweave.com
   */
  readonly endpoint?: string;
  /**
   * API access token; prefer the environment variable. Never written anywhere.
   * @default COREWEAVE_API_TOKEN
   */
  readonly apiToken?: string;
  /** Time limit of one HTTP attempt, in milliseconds. @default 10000 */
  readonly attemptTimeoutMs?: number;
  /** Time limit of the whole lookup, retries included, in milliseconds. @default 60000 */
  readonly deadlineMs?: number;
  /** Retries after the first attempt, for failures a retry can fix. @default 4 */
  readonly maxRetries?: number;
  /** Largest response body read, in bytes. @default 1048576 */
  readonly maxResponseBytes?: number;
}

/** Wait until the deployment is ready before the lookup returns, and what ready means. */
export interface WaitOptions {
  /** The whole wait, requests included, in milliseconds. */
  readonly timeoutMs: number;
  /** Time between polls, in milliseconds; failed polls back off. @default 10000 */
  readonly pollIntervalMs?: number;
  /** Statuses that count as ready. @default ["STATUS_READY"] */
  readonly acceptedStatuses?: string[];
  /** Condition types that must be present and `True`. @default every condition reported */
  readonly requiredConditions?: string[];
  /** Whether a disabled deployment may count as ready. @default false */
  readonly allowDisabled?: boolean;
  /** READY counts only if reported at or after this time (RFC 3339). @default no bound */
  readonly notBefore?: string;
}

/** Props of `CoreweaveDeploymentData`. */
export interface CoreweaveDeploymentDataProps extends ConnectionProps {
  /** ID of the existing inference deployment, as CoreWeave's Create or List API returns it. */
  readonly deploymentId: string;
  /**
   * Wait until the deployment is ready, polling the API; its policy is also the default policy
   * of a gate on this lookup.
   * @default no waiting: the deployment as it is now
   */
  readonly wait?: WaitOptions;
}

/** The Terraform resource that carries a gate's preconditions. */
export enum GateResourceType {
  /** Built into Terraform >= 1.4 and OpenTofu: no provider download. */
  TERRAFORM_DATA = "terraform_data",
  /** `hashicorp/null`'s, which the gate adds to the stack if it has none. */
  NULL_RESOURCE = "null_resource",
}

/** A resolved policy in jsii's shapes: its lists copied (jsii carries mutable arrays). */
export function policyOf(policy: Readiness.ResolvedReadinessPolicy): ReadinessPolicy {
  const { acceptedStatuses, requiredConditions, allowDisabled } = policy;
  return {
    acceptedStatuses: [...acceptedStatuses],
    ...(requiredConditions && { requiredConditions: [...requiredConditions] }),
    allowDisabled,
  };
}

/** A type that is each of the others: both are assignable to each other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** `A` can be used where `B` is expected. */
type Fits<A, B> = [A] extends [B] ? true : false;

// What the API layer hands out fits these types; what a jsii caller passes in, the API layer takes.
true satisfies Same<DeploymentModel, Api.DeploymentModel>;
true satisfies Same<DeploymentRuntime, Api.DeploymentRuntime>;
true satisfies Same<DeploymentResources, Api.DeploymentResources>;
true satisfies Same<DeploymentAutoscaling, Api.DeploymentAutoscaling>;
true satisfies Same<DeploymentTraffic, Api.DeploymentTraffic>;
true satisfies Same<DeploymentCondition, Api.DeploymentCondition>;
true satisfies Same<Deployment, Api.Deployment>;
true satisfies Fits<ReadinessVerdict, Readiness.ReadinessVerdict>;
true satisfies Same<keyof ReadinessPolicy, keyof Readiness.ResolvedReadinessPolicy>;
true satisfies Same<Required<ConnectionProps>, Required<Connection.ConnectionOptions>>;
true satisfies Fits<WaitOptions, Wait.WaitOptions>;
true satisfies Same<keyof WaitOptions, keyof Wait.WaitOptions>;
