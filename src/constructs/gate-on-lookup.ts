/**
 * What a `DeploymentReadinessGate` does, apart from the shape of its props and outputs: its
 * policy, its verdict, and the Terraform resource whose preconditions stop a plan. One
 * implementation for the TypeScript construct and the jsii one (src/jsii).
 */
import type { IConstruct } from "constructs";
import { requireInteger } from "../api/connection";
import { formatDuration, parseDuration } from "../api/duration";
import { ConfigurationError, CoreweaveError } from "../api/errors";
import {
  describeNotReady,
  evaluateReadiness,
  policyWarnings,
  type ReadinessPolicy,
  type ReadinessVerdict,
  type ResolvedReadinessPolicy,
  resolveReadinessPolicy,
} from "../api/readiness";
import { shellWord, withoutUndefined } from "../api/text";
import { type LookupFacts, lookupFactsOf } from "../datasources/deployment-lookup";
import { LOOKUP_CLOCK_SKEW_MS, LOOKUP_MODE_ENV } from "../lookup/deployment-source";
import { cdkFor } from "../terraform/cdk-library";
import type { TerraformResourceElement } from "../terraform/element-types";
import { escapeTemplate, hclStringList } from "../terraform/literals";
import { planEpochSeconds } from "../terraform/plan-clock";
import { nullResource, requireTerraformVersion, terraformData } from "../terraform/resources";

/** A `lifecycle.precondition` block. */
interface Precondition {
  readonly condition: string;
  readonly errorMessage: string;
}

/** The Terraform resource that carries the gate's precondition. */
export type GateResourceType = "terraform_data" | "null_resource";

/** The default `maxAgeMs`: time to synth, wait for approval and plan, not to reuse old facts. */
export const DEFAULT_GATE_MAX_AGE_MS = 15 * 60_000;
/** Sets the gates' default `maxAgeMs` for a pipeline, as a duration (`24h`, `30d`). */
export const GATE_MAX_AGE_ENV = "COREWEAVE_GATE_MAX_AGE";

/** What a gate is asked, besides the lookup it gates (see `DeploymentReadinessGateProps`). */
export interface GateOptions extends ReadinessPolicy {
  readonly resourceType?: GateResourceType;
  readonly maxAgeMs?: number;
}

/** What a gate decided and built. */
export interface GateFacts {
  readonly policy: ResolvedReadinessPolicy;
  readonly verdict: ReadinessVerdict;
  readonly resource: TerraformResourceElement;
  readonly maxAgeMs: number;
}

/**
 * Builds the gate `gate` on the lookup construct `lookup`: the lookup's policy with each field
 * `options` sets in its place, and one resource with two preconditions (readiness, freshness).
 */
export function gateOnLookup(
  gate: IConstruct,
  lookup: IConstruct,
  options: GateOptions,
): GateFacts {
  const { Annotations, TerraformStack } = cdkFor(gate);
  const facts = lookupFactsOf(lookup);
  let policy: ResolvedReadinessPolicy;
  let maxAgeMs: number;
  try {
    policy = resolveReadinessPolicy({
      ...facts.policy,
      ...withoutUndefined({
        acceptedStatuses: options.acceptedStatuses,
        requiredConditions: options.requiredConditions,
        allowDisabled: options.allowDisabled,
      }),
    });
    maxAgeMs = resolveMaxAgeMs(options.maxAgeMs);
    for (const warning of policyWarnings(policy)) Annotations.of(gate).addWarning(warning);
  } catch (error) {
    if (error instanceof CoreweaveError) {
      throw new ConfigurationError(`${gate.node.path}: ${error.message}`);
    }
    throw error;
  }
  if (TerraformStack.of(lookup) !== TerraformStack.of(gate)) {
    // Across stacks, the condition would read the other stack's last *applied* snapshot
    // (a remote-state output), not what this synth looked up.
    throw new ConfigurationError(
      `${gate.node.path}: the gate must be in the same stack as the lookup it gates ` +
        `(${lookup.node.path}). Add a CoreweaveDeploymentData for the same ID to this stack; ` +
        "lookups are cached, so it costs no extra request.",
    );
  }
  // plantimestamp(), which the freshness check uses, came with Terraform 1.5.
  requireTerraformVersion(gate, ">= 1.5");
  const verdict = evaluateReadiness(facts.raw, policy);
  const { spec, status } = facts.safe;
  const precondition: Precondition = {
    condition: `\${${readinessExpression(facts.record.fqn, policy)}}`,
    errorMessage: escapeTemplate(
      verdict.ready
        ? // Shown only if the recorded deployment no longer matches what synth saw.
          `CoreWeave deployment "${spec.id}" does not meet the readiness policy.`
        : describeNotReady(facts.raw, verdict),
    ),
  };
  // The lookup's facts are Terraform-safe already.
  const recorded = { deployment_id: spec.id, status: status.status };
  const lifecycle = { precondition: [freshness(gate, lookup, facts, maxAgeMs), precondition] };
  const resource =
    (options.resourceType ?? "terraform_data") === "terraform_data"
      ? terraformData(gate, "gate", { input: recorded, lifecycle })
      : nullResource(gate, "gate", { triggers: recorded, lifecycle });
  return { policy, verdict, resource, maxAgeMs };
}

/**
 * Fails the plan when the lookup time is later than `plantimestamp()` by more than the clock
 * skew, or older than `maxAgeMs`. The message picks its text by which bound failed, so it is
 * true of either failure. The lookup's time lives only in the condition's text, not in state,
 * so a fresh synth causes no diff.
 */
function freshness(
  gate: IConstruct,
  lookup: IConstruct,
  facts: LookupFacts,
  maxAgeMs: number,
): Precondition {
  const observedMs = Date.parse(facts.observedAt);
  if (!Number.isFinite(observedMs)) {
    // Only a custom DeploymentSource can get here; "NaN" must not reach the condition.
    throw new ConfigurationError(
      `${gate.node.path}: the lookup of "${facts.safe.spec.id}" has observedAt ` +
        `${JSON.stringify(facts.observedAt.slice(0, 40))}, which is not an RFC 3339 time.`,
    );
  }
  const age = `(${planEpochSeconds(lookup)} - ${Math.floor(observedMs / 1000)})`;
  const minAge = -Math.floor(LOOKUP_CLOCK_SKEW_MS / 1000);
  const maxAge = Math.floor(maxAgeMs / 1000);
  const id = facts.raw.spec.id;
  return {
    // Referencing the record ties the check to it (Terraform requires an object reference).
    condition:
      `\${${age} >= ${minAge} && ${age} <= ${maxAge} && ` +
      `${facts.record.fqn}.input.deployment_id != ""}`,
    errorMessage:
      escapeTemplate(`CoreWeave deployment "${id}" was looked up at ${facts.observedAt}, `) +
      `%{ if ${age} < ${minAge} }` +
      `\${floor(-${age} / 60)} minutes (\${-${age}} s) after this plan's time ` +
      "(${plantimestamp()}): the lookup time is in the future. The gate allows " +
      `${formatDuration(LOOKUP_CLOCK_SKEW_MS)} of clock skew; a later time is no age and would ` +
      "pass maxAgeMs forever. The clock of the machine that looked it up was ahead, or the " +
      "lookup file was edited: fix that clock and synthesize again (cdktf plan), or record the " +
      escapeTemplate(`lookup again (npx coreweave-inference lookups record ${shellWord(id)}, or `) +
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
