/**
 * What a `CoreweaveDeploymentData` does, apart from the shape of its outputs: the lookup, its
 * checks, the Terraform-safe copy of the facts, the `terraform_data` record and the stack's list
 * of IDs. One implementation for the TypeScript construct and the jsii one (src/jsii), which
 * differ only in how they type what they expose.
 */
import type { IConstruct } from "constructs";
import type { ConnectionOptions } from "../api/connection";
import type { Deployment } from "../api/deployment";
import { encodeDeploymentId } from "../api/deployment-id";
import { ConfigurationError, CoreweaveError, InvalidResponseError } from "../api/errors";
import {
  evaluateReadiness,
  policyWarnings,
  resolveReadinessPolicy,
  type ResolvedReadinessPolicy,
} from "../api/readiness";
import { type ResolvedWaitOptions, resolveWaitOptions, type WaitOptions } from "../api/wait";
import type { DeploymentLookupResult, DeploymentSource } from "../lookup/deployment-source";
import { LookupNotRecordedError } from "../lookup/replay-deployment-source";
import { deploymentSourceFor } from "../lookup/source-selection";
import { cdkFor } from "../terraform/cdk-library";
import type { TerraformResourceElement } from "../terraform/element-types";
import { escapeTemplatesDeep, findTokenShapedText } from "../terraform/literals";
import { terraformData } from "../terraform/resources";
import { listInStack } from "../terraform/stack-deployment-ids";
import { DeploymentFieldMissingError, DeploymentLookupError } from "./lookup-errors";
import { PLACEHOLDER_OBSERVED_AT, placeholderDeployment, reportNotRecorded } from "./replay-misses";

/** What a lookup is asked: the deployment, how to reach the API, where facts come from, waiting. */
export interface LookupRequest extends ConnectionOptions {
  readonly deploymentId: string;
  readonly source?: DeploymentSource;
  readonly wait?: WaitOptions;
}

/** What a lookup found, as the construct that asked exposes it. */
export interface LookupFacts {
  /** The deployment as validated, raw text (deeply frozen). Not Terraform-safe. */
  readonly raw: Deployment;
  /** The same facts with every string Terraform-safe (deeply frozen). */
  readonly safe: Deployment;
  readonly policy: ResolvedReadinessPolicy;
  readonly observedAt: string;
  /** Ready under the default policy. */
  readonly isReady: boolean;
  readonly record: TerraformResourceElement;
}

const factsOf = new WeakMap<IConstruct, LookupFacts>();

/**
 * Looks up the deployment for `construct` (a `CoreweaveDeploymentData`, inside a stack), adds its
 * record to the stack, and returns the facts. Throws `DeploymentLookupError` naming the construct.
 */
export function lookUpDeployment(construct: IConstruct, request: LookupRequest): LookupFacts {
  const { source: chosenSource, deploymentId, wait, ...connection } = request;
  const path = construct.node.path;
  const cdk = cdkFor(construct);
  // Lookups happen at synth time and need concrete values: the ID and every connection option
  // (the props left after taking out the construct's own, so a new option is checked too).
  for (const [prop, value] of Object.entries({ deploymentId, ...connection })) {
    if (cdk.Token.isUnresolved(value)) {
      throw new DeploymentLookupError(
        path,
        new ConfigurationError(
          `${prop} is an unresolved token (e.g. a TerraformVariable or another resource's ` +
            "attribute). CoreweaveDeploymentData looks the deployment up at synth time, so " +
            `${prop} must be a concrete value: pass a literal, process.env or cdktf.json context.`,
        ),
      );
    }
  }
  let result: DeploymentLookupResult;
  let resolvedWait: ResolvedWaitOptions | undefined;
  try {
    // Checked here for every source, so no ID that could not go into a URL reaches a message.
    encodeDeploymentId(deploymentId);
    resolvedWait = wait && resolveWaitOptions(wait);
    for (const warning of resolvedWait ? policyWarnings(resolvedWait.policy) : []) {
      cdk.Annotations.of(construct).addWarning(warning);
    }
    const source = chosenSource ?? deploymentSourceFor(construct);
    [result] = source.lookup([{ deploymentId, connection, wait: resolvedWait }]);
  } catch (error) {
    if (!(error instanceof CoreweaveError)) throw error;
    result = { ok: false, error };
  }
  const notRecorded = !result.ok && result.error instanceof LookupNotRecordedError;
  if (notRecorded) {
    // A replay miss stands on placeholder facts, so that the app goes on to build every
    // lookup and one failed synth names every missing ID (see replay-misses.ts).
    result = {
      ok: true,
      deployment: placeholderDeployment(deploymentId),
      observedAt: PLACEHOLDER_OBSERVED_AT,
    };
  }
  if (!result.ok) throw new DeploymentLookupError(path, result.error);

  const raw = deepFreeze(structuredClone(result.deployment));
  const tokenShaped = findTokenShapedText(raw);
  if (tokenShaped !== undefined) {
    throw new DeploymentLookupError(
      path,
      new InvalidResponseError(
        `CoreWeave deployment "${deploymentId}" has text shaped like a CDKTF token in ` +
          `${tokenShaped}. CDKTF would replace it with a value from your stack, so the ` +
          "lookup is refused. Check the deployment's configuration in CoreWeave.",
        { deploymentId },
      ),
    );
  }
  // Terraform-safe copy: what every output but the raw deployment is made of.
  // escapeTemplatesDeep builds new objects, so the copy shares nothing with `raw`.
  const safe = deepFreeze(escapeTemplatesDeep(raw));
  const facts: LookupFacts = {
    raw,
    safe,
    policy: resolvedWait?.policy ?? resolveReadinessPolicy(),
    observedAt: result.observedAt ?? new Date().toISOString(),
    isReady: evaluateReadiness(raw).ready,
    record: terraformData(construct, "record", { input: recordedFacts(safe) }),
  };
  factsOf.set(construct, facts);
  listInStack(construct, deploymentId);
  if (notRecorded) reportNotRecorded(construct, deploymentId);
  return facts;
}

/** The facts a lookup construct found, for the gate that reads them (TypeScript or jsii). */
export function lookupFactsOf(construct: IConstruct): LookupFacts {
  const facts = factsOf.get(construct);
  if (facts === undefined) {
    throw new ConfigurationError(
      `${construct.node.path} is not a CoreweaveDeploymentData: a gate reads one of those.`,
    );
  }
  return facts;
}

/**
 * The outputs of a lookup construct, by name: every fact as the construct exposes it (Terraform-
 * safe but for `deployment`). Both faces of the construct assign exactly these.
 */
export function outputsOf(facts: LookupFacts) {
  const { spec, status } = facts.safe;
  return {
    deployment: facts.raw,
    deploymentId: spec.id,
    name: spec.name,
    gatewayIds: spec.gatewayIds,
    model: spec.model,
    runtime: spec.runtime,
    resources: spec.resources,
    autoscaling: spec.autoscaling,
    traffic: spec.traffic,
    organizationId: spec.organizationId,
    disabled: spec.disabled,
    status: status.status,
    conditions: status.conditions,
    createdAt: status.createdAt,
    updatedAt: status.updatedAt,
    isReady: facts.isReady,
    policy: facts.policy,
    observedAt: facts.observedAt,
    record: facts.record,
  };
}

/**
 * The outputs that read one field of a sub-object the API may omit: each fails synth, naming the
 * field and the optional output that reads `undefined` instead, when the deployment lacks it.
 */
const REQUIRED_OUTPUTS = {
  modelName: { field: "spec.model", optional: "model", read: (s: Spec) => s.model?.name },
  modelBucket: { field: "spec.model", optional: "model", read: (s: Spec) => s.model?.bucket },
  modelPath: { field: "spec.model", optional: "model", read: (s: Spec) => s.model?.path },
  runtimeEngine: {
    field: "spec.runtime",
    optional: "runtime",
    read: (s: Spec) => s.runtime?.engine,
  },
  instanceType: {
    field: "spec.resources",
    optional: "resources",
    read: (s: Spec) => s.resources?.instanceType,
  },
  gpuCount: {
    field: "spec.resources",
    optional: "resources",
    read: (s: Spec) => s.resources?.gpuCount,
  },
} as const;
type Spec = Deployment["spec"];
type RequiredOutputs = typeof REQUIRED_OUTPUTS;

/**
 * The value of a required output of a lookup construct, e.g. `modelBucket`;
 * `DeploymentFieldMissingError` when the deployment lacks the field behind it, so synth stops
 * instead of writing `undefined`.
 */
export function requiredOutput<K extends keyof RequiredOutputs>(
  construct: IConstruct,
  output: K,
): NonNullable<ReturnType<RequiredOutputs[K]["read"]>> {
  const { field, optional, read } = REQUIRED_OUTPUTS[output];
  const { spec } = lookupFactsOf(construct).safe;
  const value = read(spec);
  if (value !== undefined) return value as NonNullable<ReturnType<RequiredOutputs[K]["read"]>>;
  throw new DeploymentFieldMissingError(construct.node.path, spec.id, field, output, optional);
}

/**
 * Looks a list of deployments up in one batch, ahead of the constructors that will read them
 * (see `CoreweaveDeploymentData.prefetch`). A bad mode or option is left for the first
 * constructor, which fails with its construct path.
 */
export function prefetchDeployments(
  deploymentIds: readonly string[],
  connection: ConnectionOptions,
  scope?: IConstruct,
): void {
  const unique = [...new Set(deploymentIds)];
  if (unique.length === 0) return;
  try {
    deploymentSourceFor(scope).lookup(unique.map((deploymentId) => ({ deploymentId, connection })));
  } catch (error) {
    if (!(error instanceof CoreweaveError)) throw error;
  }
}

/**
 * What the record holds: the facts the gate reads (status, disabled, each condition's type and
 * status) and what a reviewer wants to see change in a plan (name, gateways, model, runtime,
 * resources, autoscaling, traffic). Timestamps and condition reasons and messages are left out:
 * they move without the deployment changing, and would make every drift check fire.
 */
function recordedFacts({ spec, status }: Deployment) {
  return {
    deployment_id: spec.id,
    name: spec.name,
    status: status.status,
    disabled: spec.disabled,
    conditions: status.conditions.map(({ type, status }) => ({ type, status })),
    gateway_ids: spec.gatewayIds,
    model: spec.model,
    runtime: spec.runtime,
    resources: spec.resources,
    autoscaling: spec.autoscaling,
    traffic: spec.traffic,
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
