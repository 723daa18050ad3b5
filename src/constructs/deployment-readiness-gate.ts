import { requireInteger } from "../api/connection";
import { formatDuration, parseDuration } from "../api/duration";
import { ConfigurationError, CoreweaveError } from "../api/errors";
import { withoutUndefined } from "../api/text";
import {
  describeNotReady,
  evaluateReadiness,
  policyWarnings,
  type ReadinessPolicy,
  type ReadinessVerdict,
  type ResolvedReadinessPolicy,
  resolveReadinessPolicy,
} from "../api/readiness";
import { Construct } from "constructs";
import { cdkFor } from "../terraform/cdk-library";
import type { CoreweaveDeploymentData } from "../datasources/coreweave-deployment-data";
import type { TerraformDependable, TerraformResourceElement } from "../terraform/element-types";
import { nullResource, requireTerraformVersion, terraformData } from "../terraform/resources";
import { escapeTemplate, hclStringList } from "../terraform/literals";
import { planEpochSeconds } from "../terraform/plan-clock";
import { LOOKUP_CLOCK_SKEW_MS, LOOKUP_MODE_ENV } from "../lookup/deployment-source";

/** A `lifecycle.precondition` block. */
interface Precondition {
  readonly condition: string;
  readonly errorMessage: string;
}

/** The Terraform resource that carries the gate's precondition. */
export type GateResourceType = "terraform_data" | "null_resource";

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

/** The default `maxAgeMs`: time to synth, wait for approval and plan, not to reuse old facts. */
export const DEFAULT_GATE_MAX_AGE_MS = 15 * 60_000;
/** Sets the gates' default `maxAgeMs` for a pipeline, as a duration (`24h`, `30d`). */
export const GATE_MAX_AGE_ENV = "COREWEAVE_GATE_MAX_AGE";

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
    const { Annotations, TerraformStack } = cdkFor(this);
    try {
      // The lookup's policy, with each field the gate's props set in its place.
      this.policy = resolveReadinessPolicy({
        ...props.deployment.policy,
        ...withoutUndefined({
          acceptedStatuses: props.acceptedStatuses,
          requiredConditions: props.requiredConditions,
          allowDisabled: props.allowDisabled,
        }),
      });
      this.maxAgeMs = resolveMaxAgeMs(props.maxAgeMs);
      for (const warning of policyWarnings(this.policy)) Annotations.of(this).addWarning(warning);
    } catch (error) {
      if (error instanceof CoreweaveError) {
        throw new ConfigurationError(`${this.node.path}: ${error.message}`);
      }
      throw error;
    }
    const { deployment } = props;
    if (TerraformStack.of(deployment) !== TerraformStack.of(this)) {
      // Across stacks, the condition would read the other stack's last *applied* snapshot
      // (a remote-state output), not what this synth looked up.
      throw new ConfigurationError(
        `${this.node.path}: the gate must be in the same stack as the lookup it gates ` +
          `(${deployment.node.path}). Add a CoreweaveDeploymentData for the same ID to this stack; ` +
          "lookups are cached, so it costs no extra request.",
      );
    }
    // plantimestamp(), which the freshness check uses, came with Terraform 1.5.
    requireTerraformVersion(this, ">= 1.5");
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
    // The lookup's outputs are Terraform-safe already.
    const facts = { deployment_id: deployment.deploymentId, status: deployment.status };
    const lifecycle = { precondition: [freshness(this, deployment, this.maxAgeMs), precondition] };
    if ((props.resourceType ?? "terraform_data") === "terraform_data") {
      this.resource = terraformData(this, "gate", { input: facts, lifecycle });
    } else {
      this.resource = nullResource(this, "gate", { triggers: facts, lifecycle });
    }
  }

  /** Lets other resources say `dependsOn: [gate]`. */
  get fqn(): string {
    return this.resource.fqn;
  }
}

/**
 * Fails the plan when the lookup time is later than `plantimestamp()` by more than the clock
 * skew, or older than `maxAgeMs`. The message picks its text by which bound failed, so it is
 * true of either failure. The lookup's time lives only in the condition's text, not in state,
 * so a fresh synth causes no diff.
 */
function freshness(
  gate: Construct,
  deployment: CoreweaveDeploymentData,
  maxAgeMs: number,
): Precondition {
  const observedMs = Date.parse(deployment.observedAt);
  if (!Number.isFinite(observedMs)) {
    // Only a custom DeploymentSource can get here; "NaN" must not reach the condition.
    throw new ConfigurationError(
      `${gate.node.path}: the lookup of "${deployment.deploymentId}" has observedAt ` +
        `${JSON.stringify(deployment.observedAt.slice(0, 40))}, which is not an RFC 3339 time.`,
    );
  }
  const age = `(${planEpochSeconds(deployment)} - ${Math.floor(observedMs / 1000)})`;
  const minAge = -Math.floor(LOOKUP_CLOCK_SKEW_MS / 1000);
  const maxAge = Math.floor(maxAgeMs / 1000);
  const id = deployment.deployment.spec.id;
  return {
    // Referencing the record ties the check to it (Terraform requires an object reference).
    condition:
      `\${${age} >= ${minAge} && ${age} <= ${maxAge} && ` +
      `${deployment.record.fqn}.input.deployment_id != ""}`,
    errorMessage:
      escapeTemplate(`CoreWeave deployment "${id}" was looked up at ${deployment.observedAt}, `) +
      `%{ if ${age} < ${minAge} }` +
      `\${floor(-${age} / 60)} minutes (\${-${age}} s) after this plan's time ` +
      "(${plantimestamp()}): the lookup time is in the future. The gate allows " +
      `${formatDuration(LOOKUP_CLOCK_SKEW_MS)} of clock skew; a later time is no age and would ` +
      "pass maxAgeMs forever. The clock of the machine that looked it up was ahead, or the " +
      "lookup file was edited: fix that clock and synthesize again (cdktf plan), or record the " +
      escapeTemplate(`lookup again (npx coreweave-inference lookups record ${id}, or `) +
      `${LOOKUP_MODE_ENV}=record cdktf synth), then plan.` +
      "%{ else }" +
      `\${floor(${age} / 60)} minutes (\${${age}} s) before this plan; the gate accepts ` +
      `lookups at most ${formatDuration(maxAgeMs)} old (maxAgeMs). The facts may be stale: ` +
      "synthesize again (cdktf plan), or record the lookup file again " +
      `(${LOOKUP_MODE_ENV}=record), then plan.` +
      "%{ endif }",
  };
}

function resolveMaxAgeMs(prop: number | undefined): number {
  if (prop !== undefined) return requireInteger("maxAgeMs", prop, 1000, Number.MAX_SAFE_INTEGER);
  const fromEnv = process.env[GATE_MAX_AGE_ENV]?.trim();
  if (!fromEnv) return DEFAULT_GATE_MAX_AGE_MS;
  const parsed = parseDuration(fromEnv);
  if (parsed === undefined || parsed < 1000) {
    throw new ConfigurationError(
      `${GATE_MAX_AGE_ENV} is ${JSON.stringify(fromEnv.slice(0, 40))}; write a duration of at ` +
        "least 1s, such as 30m, 24h or 30d.",
    );
  }
  return parsed;
}

/**
 * The readiness policy as one HCL boolean over the lookup record, mirroring `evaluateReadiness`.
 * Unknown statuses fail it, because only known statuses can be listed as accepted.
 */
function readinessExpression(record: string, policy: ResolvedReadinessPolicy): string {
  const conditions = `${record}.input.conditions`;
  const parts = [`contains(${hclStringList(policy.acceptedStatuses)}, ${record}.input.status)`];
  if (!policy.allowDisabled) parts.push(`!${record}.input.disabled`);
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
