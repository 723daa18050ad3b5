import { Construct } from "constructs";
import type { ReadinessPolicy, ReadinessVerdict, ResolvedReadinessPolicy } from "../api/readiness";
import type { CoreweaveDeploymentData } from "../datasources/coreweave-deployment-data";
import type { TerraformDependable, TerraformResourceElement } from "../terraform/element-types";
import { type GateResourceType, gateOnLookup } from "./gate-on-lookup";

/**
 * The gate's props. Each policy field (`acceptedStatuses`, `requiredConditions`,
 * `allowDisabled`) left unset takes its value from the policy of the lookup it gates
 * (`deployment.policy`: the lookup's `wait` policy, else the strict default), so a custom policy
 * is written once, on the lookup.
 */
export interface DeploymentReadinessGateProps extends ReadinessPolicy {
  /** The looked-up deployment to gate on. */
  readonly deployment: CoreweaveDeploymentData;
  /**
   * `terraform_data` is built into Terraform >= 1.4 and OpenTofu and needs no provider download.
   * `null_resource` needs the `hashicorp/null` provider; if the stack has none yet (one from
   * `@cdktf/provider-null` counts), the gate adds one (`hashicorp/null ~> 3.2`, default
   * settings). Works the same in cdktf and cdktn apps; no provider package is needed.
   * @default "terraform_data"
   */
  readonly resourceType?: GateResourceType;
  /**
   * The oldest lookup the gate accepts, in milliseconds, measured by Terraform from the lookup's
   * `observedAt` to the plan's `plantimestamp()`. A `terraform plan` of an old `cdktf.out`, or of
   * a replayed snapshot recorded longer ago, fails with the age, the limit and the fix. A lookup
   * time later than the plan's by more than `LOOKUP_CLOCK_SKEW_MS` fails too: it is no age.
   * @default process.env.COREWEAVE_GATE_MAX_AGE (a duration such as `2h`), else 900000 (15 min)
   */
  readonly maxAgeMs?: number;
}

/**
 * Stops `cdktf plan` / `terraform plan` unless a deployment is ready.
 *
 * Adds one resource with a `lifecycle.precondition` whose condition Terraform evaluates from the
 * lookup's `terraform_data` record, under the gate's policy; the error message names the
 * deployment, its status and each unmet condition. Resources that must wait for readiness take
 * `dependsOn: [gate]`.
 */
export class DeploymentReadinessGate extends Construct implements TerraformDependable {
  /** The policy in force, defaults applied. */
  readonly policy: ResolvedReadinessPolicy;
  /** What the gate decided at synth time; Terraform reaches the same verdict at plan time. */
  readonly verdict: ReadinessVerdict;
  /** The resource holding the preconditions. */
  readonly resource: TerraformResourceElement;
  /** The oldest lookup this gate accepts, in milliseconds. */
  readonly maxAgeMs: number;

  constructor(scope: Construct, id: string, props: DeploymentReadinessGateProps) {
    super(scope, id);
    const { deployment, ...options } = props;
    ({
      policy: this.policy,
      verdict: this.verdict,
      resource: this.resource,
      maxAgeMs: this.maxAgeMs,
    } = gateOnLookup(this, deployment, options));
  }

  /** Lets other resources say `dependsOn: [gate]`. */
  get fqn(): string {
    return this.resource.fqn;
  }
}
