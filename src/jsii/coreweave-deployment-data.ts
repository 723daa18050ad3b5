/**
 * `CoreweaveDeploymentData` for jsii languages (Python...): the TypeScript construct's work
 * (`lookUpDeployment`), exposed in the types jsii carries, with the record typed as the app's CDK
 * library's own `TerraformResource`. Written against `cdktf`; the cdktn build rewrites the import.
 */
import type { TerraformResource } from "cdktf";
import { Construct } from "constructs";
import {
  lookUpDeployment,
  outputsOf,
  prefetchDeployments,
  requiredOutput,
} from "../datasources/deployment-lookup";
import { throwOneLine } from "../api/errors";
import {
  policyOf,
  type ConnectionProps,
  CoreweaveDeploymentDataProps,
  Deployment,
  DeploymentAutoscaling,
  DeploymentCondition,
  DeploymentModel,
  DeploymentResources,
  DeploymentRuntime,
  DeploymentTraffic,
  ReadinessPolicy,
} from "./structs";

/**
 * Reads an existing CoreWeave inference deployment at synth time and exposes its facts as plain
 * values, Terraform-safe (but for `deployment`), to feed any construct. Records a non-secret
 * snapshot in a `terraform_data` resource (`record`). A failed lookup raises at once, in one
 * line naming this construct and the cause.
 */
export class CoreweaveDeploymentData extends Construct {
  /**
   * Looks a list of deployments up in one batch, ahead of the constructs that will read them,
   * which are then answered from the cache: about N / 32 round trips instead of N.
   */
  static prefetch(deploymentIds: string[], connection?: ConnectionProps): void {
    prefetchDeployments(deploymentIds, connection ?? {});
  }

  /** The deployment as validated from the API, raw text. Not Terraform-safe. */
  readonly deployment!: Deployment;
  readonly deploymentId!: string;
  /** `""` when the API omits it. */
  readonly name!: string;
  /** `[]` when the API omits it. */
  readonly gatewayIds!: string[];
  /** Absent when the API omits it; see `modelName`, `modelBucket`, `modelPath`. */
  readonly model?: DeploymentModel;
  /** Absent when the API omits it; see `runtimeEngine`. */
  readonly runtime?: DeploymentRuntime;
  /** Absent when the API omits it; see `instanceType`, `gpuCount`. */
  readonly resources?: DeploymentResources;
  /** Absent when the API omits it. */
  readonly autoscaling?: DeploymentAutoscaling;
  /** Absent when the API omits it. */
  readonly traffic?: DeploymentTraffic;
  /** `""` when the API omits it. */
  readonly organizationId!: string;
  readonly disabled!: boolean;
  /** A `STATUS_*` value; `STATUS_UNSPECIFIED` when absent; unknown values are kept as sent. */
  readonly status!: string;
  readonly conditions!: DeploymentCondition[];
  /** Absent when the API omits it. */
  readonly createdAt?: string;
  /** Absent when the API omits it. */
  readonly updatedAt?: string;
  /** Ready under the default policy: `STATUS_READY`, not disabled, every condition `True`. */
  readonly isReady!: boolean;
  /** The readiness policy of this lookup: the `wait` prop's, else the default. */
  readonly policy!: ReadinessPolicy;
  /** When the facts were read from the API (RFC 3339); the gate's `maxAgeMs` counts from it. */
  readonly observedAt!: string;
  /** The `terraform_data` resource that records the facts the gate reads. */
  readonly record!: TerraformResource;

  constructor(scope: Construct, id: string, props: CoreweaveDeploymentDataProps) {
    super(scope, id);
    try {
      const { record, policy, ...facts } = outputsOf(lookUpDeployment(this, props));
      // Copies: the kernel marks each object it hands over, and the facts are deeply frozen.
      Object.assign(this, structuredClone(facts), { record, policy: policyOf(policy) });
    } catch (error) {
      throwOneLine(error);
    }
  }

  /** `spec.model.name`. Fails synth, naming the field, when the deployment has no model. */
  get modelName(): string {
    return this.#required("modelName");
  }

  /** `spec.model.bucket`. Fails synth, naming the field, when the deployment has no model. */
  get modelBucket(): string {
    return this.#required("modelBucket");
  }

  /** `spec.model.path`. Fails synth, naming the field, when the deployment has no model. */
  get modelPath(): string {
    return this.#required("modelPath");
  }

  /** `spec.runtime.engine` (e.g. `vllm`). Fails synth when the deployment has no runtime. */
  get runtimeEngine(): string {
    return this.#required("runtimeEngine");
  }

  /** `spec.resources.instanceType`. Fails synth when the deployment has no resources. */
  get instanceType(): string {
    return this.#required("instanceType");
  }

  /** `spec.resources.gpuCount`. Fails synth when the deployment has no resources. */
  get gpuCount(): number {
    return this.#required("gpuCount");
  }

  #required<K extends Parameters<typeof requiredOutput>[1]>(output: K) {
    try {
      return requiredOutput(this, output);
    } catch (error) {
      return throwOneLine(error);
    }
  }
}
