import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import {
  DataResource,
  type ITerraformDependable,
  type Precondition,
  TerraformProvider,
  type TerraformResource,
  TerraformStack,
} from "cdktf";
import { Construct } from "constructs";
import { CoreweaveError } from "../api/errors";
import {
  describeNotReady,
  evaluateReadiness,
  type ReadinessPolicy,
  type ReadinessVerdict,
  type ResolvedReadinessPolicy,
  resolveReadinessPolicy,
} from "../api/readiness";
import type { CoreweaveDeploymentData } from "../datasources/coreweave-deployment-data";
import { escapeTemplate, hclStringList } from "../terraform-literals";

/** The Terraform resource that carries the gate's precondition. */
export type GateResourceType = "terraform_data" | "null_resource";

export interface DeploymentReadinessGateProps extends ReadinessPolicy {
  /** The looked-up deployment to gate on. */
  readonly deployment: CoreweaveDeploymentData;
  /**
   * `terraform_data` is built into Terraform >= 1.4 and OpenTofu and needs no provider download.
   * `null_resource` needs the `hashicorp/null` provider; if the stack has no `NullProvider` yet,
   * the gate adds one (with default settings).
   * @default "terraform_data"
   */
  readonly resourceType?: GateResourceType;
}

/**
 * Stops `cdktf plan` / `terraform plan` unless a deployment is ready.
 *
 * Adds one resource with a `lifecycle.precondition` whose condition Terraform evaluates from the
 * lookup's `terraform_data` record, under the gate's policy; the error message names the
 * deployment, its status and each unmet condition. Resources that must wait for readiness take
 * `dependsOn: [gate]`.
 */
export class DeploymentReadinessGate extends Construct implements ITerraformDependable {
  /** The policy in force, defaults applied. */
  readonly policy: ResolvedReadinessPolicy;
  /** What the gate decided at synth time; Terraform reaches the same verdict at plan time. */
  readonly verdict: ReadinessVerdict;
  /** The resource holding the precondition. */
  readonly resource: TerraformResource;

  constructor(scope: Construct, id: string, props: DeploymentReadinessGateProps) {
    super(scope, id);
    try {
      this.policy = resolveReadinessPolicy(props);
    } catch (error) {
      if (error instanceof CoreweaveError) throw new Error(`${this.node.path}: ${error.message}`);
      throw error;
    }
    const { deployment } = props;
    if (TerraformStack.of(deployment) !== TerraformStack.of(this)) {
      // Across stacks, the condition would read the other stack's last *applied* snapshot
      // (a remote-state output), not what this synth looked up.
      throw new Error(
        `${this.node.path}: the gate must be in the same stack as the lookup it gates ` +
          `(${deployment.node.path}). Add a CoreweaveDeploymentData for the same ID to this stack; ` +
          "lookups are cached, so it costs no extra request.",
      );
    }
    this.verdict = evaluateReadiness(deployment.deployment, this.policy);
    const precondition: Precondition = {
      condition: `\${${readinessExpression(deployment.record.fqn, this.policy)}}`,
      errorMessage: escapeTemplate(
        this.verdict.ready
          ? // Shown only if the recorded deployment no longer matches what synth saw.
            `CoreWeave deployment "${deployment.deploymentId}" does not meet the readiness policy.`
          : describeNotReady(deployment.deployment, this.verdict),
      ),
    };
    const facts = {
      deployment_id: escapeTemplate(deployment.deploymentId),
      status: escapeTemplate(deployment.status),
    };
    const lifecycle = { precondition: [precondition] };
    if ((props.resourceType ?? "terraform_data") === "terraform_data") {
      this.resource = new DataResource(this, "gate", { input: facts, lifecycle });
    } else {
      this.resource = new NullResource(this, "gate", {
        triggers: facts,
        lifecycle,
        provider: nullProviderOf(this),
      });
    }
  }

  /** Lets other resources say `dependsOn: [gate]`. */
  get fqn(): string {
    return this.resource.fqn;
  }
}

/**
 * The readiness policy as one HCL boolean over the lookup record, mirroring `evaluateReadiness`.
 * Unknown statuses fail it, because only known statuses can be listed as accepted.
 */
function readinessExpression(record: string, policy: ResolvedReadinessPolicy): string {
  const conditions = `${record}.input.status.conditions`;
  const parts = [
    `contains(${hclStringList(policy.acceptedStatuses)}, ${record}.input.status.status)`,
  ];
  if (!policy.allowDisabled) parts.push(`!${record}.input.spec.disabled`);
  if (policy.requiredConditions === undefined) {
    parts.push(`alltrue([for c in ${conditions} : c.status == "True"])`);
  } else if (policy.requiredConditions.length > 0) {
    const required = hclStringList(policy.requiredConditions);
    parts.push(
      `alltrue([for c in ${conditions} : c.status == "True" if contains(${required}, c.type)])`,
      `alltrue([for t in ${required} : contains([for c in ${conditions} : c.type], t)])`,
    );
  }
  return parts.join(" && ");
}

function nullProviderOf(scope: Construct): TerraformProvider {
  const stack = TerraformStack.of(scope);
  // Matched by provider type, not class: the app may hold its own copy of @cdktf/provider-null.
  const existing = stack.node
    .findAll()
    .find(
      (node): node is TerraformProvider =>
        node instanceof TerraformProvider && node.terraformResourceType === "null",
    );
  return existing ?? new NullProvider(stack, "coreweave-gate-null-provider");
}
