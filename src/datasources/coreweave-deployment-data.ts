import type { ConnectionOptions } from "../api/connection";
import type {
  Deployment,
  DeploymentAutoscaling,
  DeploymentCondition,
  DeploymentModel,
  DeploymentResources,
  DeploymentRuntime,
  DeploymentStatus,
  DeploymentTraffic,
} from "../api/deployment";
import type { ResolvedReadinessPolicy } from "../api/readiness";
import type { WaitOptions } from "../api/wait";
import { Construct, type IConstruct } from "constructs";
import type { DeploymentSource } from "../lookup/deployment-source";
import { useDeploymentSource } from "../lookup/source-selection";
import type { TerraformResourceElement } from "../terraform/element-types";
import {
  lookUpDeployment,
  outputsOf,
  prefetchDeployments,
  requiredOutput,
} from "./deployment-lookup";

export interface CoreweaveDeploymentDataProps extends ConnectionOptions {
  /**
   * ID of the existing inference deployment to read, as returned by CoreWeave's Create or List
   * API. Must be a concrete string at synth time, not a token.
   */
  readonly deploymentId: string;
  /**
   * Where the deployment facts come from.
   * @default the source set with `CoreweaveDeploymentData.useSource` for an enclosing scope,
   * else the app's lookup mode (`COREWEAVE_LOOKUP_MODE`): the CoreWeave API over HTTP, cached
   * per process (live); the API, written to `coreweave-lookups.json` (record); that file only
   * (replay)
   */
  readonly source?: DeploymentSource;
  /**
   * Wait until the deployment is ready before the constructor returns, polling the API, and
   * expose that ready snapshot: `{ timeoutMs, pollIntervalMs }` plus the gate's policy fields
   * (`acceptedStatuses`, `requiredConditions`, `allowDisabled`) and `notBefore`, a freshness
   * bound for right after an update. A terminal status (`STATUS_FAILED`, `STATUS_ERROR`) or a
   * disabled deployment fails synth at once; a timeout fails it with the last status and each
   * unmet condition. One progress line per status change goes to stderr. Its policy is also the
   * default policy of a `DeploymentReadinessGate` on this lookup, so it is written once.
   * @default no waiting: the deployment as it is now
   */
  readonly wait?: WaitOptions;
}

/**
 * Reads an existing CoreWeave inference deployment at synth time and exposes its facts as plain,
 * typed values (not tokens), so they can feed any construct and appear as literals in
 * `cdk.tf.json`. Also records a non-secret snapshot in a `terraform_data` resource, so
 * `cdktf plan` shows what changed in the deployment since the last apply.
 *
 * **Untrusted text.** Every output except `deployment` is Terraform-safe: `${` and `%{` are
 * escaped, so Terraform sees exactly the API's text wherever the output is used. `deployment`
 * holds the raw text, for code that is not Terraform. A body with text shaped like a CDKTF token
 * is refused (`InvalidResponseError`), since no escaping can keep CDKTF from replacing it.
 *
 * The lookup happens in the constructor. A failed lookup throws `DeploymentLookupError`. A
 * deployment the lookup file has no entry for, in replay mode, reads as a placeholder (never
 * ready) until `app.synth()`, which then fails with one `LookupNotRecordedError` naming every
 * missing ID of the app, before any stack is written.
 */
export class CoreweaveDeploymentData extends Construct {
  /** The deployment as validated from the API, raw text (deeply frozen). Not Terraform-safe. */
  declare readonly deployment: Deployment;
  declare readonly deploymentId: string;
  /** `""` when the API omits it. */
  declare readonly name: string;
  /** `[]` when the API omits it. Frozen: a copy is needed to change it. */
  declare readonly gatewayIds: string[];
  /** `undefined` when the API omits it (it is optional in the OpenAPI). See `modelName` etc. */
  declare readonly model: DeploymentModel | undefined;
  /** `undefined` when the API omits it. See `runtimeEngine`. */
  declare readonly runtime: DeploymentRuntime | undefined;
  /** `undefined` when the API omits it. See `instanceType` and `gpuCount`. */
  declare readonly resources: DeploymentResources | undefined;
  /** `undefined` when the API omits it. */
  declare readonly autoscaling: DeploymentAutoscaling | undefined;
  /** `undefined` when the API omits it. */
  declare readonly traffic: DeploymentTraffic | undefined;
  /** `""` when the API omits it. */
  declare readonly organizationId: string;
  declare readonly disabled: boolean;
  /** A `STATUS_*` value; `STATUS_UNSPECIFIED` when absent; unknown values are kept as sent. */
  declare readonly status: DeploymentStatus;
  declare readonly conditions: DeploymentCondition[];
  declare readonly createdAt: string | undefined;
  declare readonly updatedAt: string | undefined;
  /**
   * Ready under the default policy: `STATUS_READY`, not disabled, every condition `True`.
   * Use `DeploymentReadinessGate` to stop a plan, and for another policy.
   */
  declare readonly isReady: boolean;
  /**
   * The readiness policy of this lookup: the `wait` prop's, resolved, else the default. A
   * `DeploymentReadinessGate` on this lookup uses it unless its own props say otherwise.
   */
  declare readonly policy: ResolvedReadinessPolicy;
  /**
   * When the facts were read from the API (RFC 3339): the lookup's time, or the time a replayed
   * entry was recorded (the epoch for a placeholder). The gate's `maxAgeMs` counts from it.
   */
  declare readonly observedAt: string;
  /**
   * The `terraform_data` resource that records what the gate reads and what a reviewer wants to
   * see change (see `recordedFacts`); no secrets, no timestamps.
   */
  declare readonly record: TerraformResourceElement;

  constructor(scope: Construct, id: string, props: CoreweaveDeploymentDataProps) {
    super(scope, id);
    Object.assign(this, outputsOf(lookUpDeployment(this, props)));
  }

  /**
   * Looks a list of deployments up in one batch, ahead of the constructors that will read them,
   * which are then answered from the cache: N deployments cost about N / 32 round trips instead
   * of N. Failures are cached too and reported by the constructor that reads the deployment.
   *
   * @param deploymentIds the IDs the app is about to read
   * @param connection the connection the constructors will use (same endpoint and options)
   * @param scope where the constructors will be, when a source was set with `useSource`
   */
  static prefetch(
    deploymentIds: readonly string[],
    connection: ConnectionOptions = {},
    scope?: IConstruct,
  ): void {
    prefetchDeployments(deploymentIds, connection, scope);
  }

  /**
   * Makes every lookup under `scope` (for example a test's `App`) use `source` unless its props
   * name another. Scoped to that construct tree, so one test's source never leaks into another.
   */
  static useSource(scope: IConstruct, source: DeploymentSource): void {
    useDeploymentSource(scope, source);
  }

  /** `spec.model.name`. Fails synth, naming the field, when the deployment has no model. */
  get modelName(): string {
    return requiredOutput(this, "modelName");
  }

  /** `spec.model.bucket`. Fails synth, naming the field, when the deployment has no model. */
  get modelBucket(): string {
    return requiredOutput(this, "modelBucket");
  }

  /** `spec.model.path`. Fails synth, naming the field, when the deployment has no model. */
  get modelPath(): string {
    return requiredOutput(this, "modelPath");
  }

  /** `spec.runtime.engine` (e.g. `vllm`). Fails synth when the deployment has no runtime. */
  get runtimeEngine(): string {
    return requiredOutput(this, "runtimeEngine");
  }

  /** `spec.resources.instanceType`. Fails synth when the deployment has no resources. */
  get instanceType(): string {
    return requiredOutput(this, "instanceType");
  }

  /** `spec.resources.gpuCount`. Fails synth when the deployment has no resources. */
  get gpuCount(): number {
    return requiredOutput(this, "gpuCount");
  }
}
