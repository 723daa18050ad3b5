import { ConfigurationError, sanitizeText } from "./errors";
import { type Deployment, KNOWN_DEPLOYMENT_STATUSES } from "./schema";

/** What "ready" means. The defaults are the strict reading. */
export interface ReadinessPolicy {
  /**
   * Statuses that count as ready. Only known statuses may be listed: a status this library does
   * not know (a new `STATUS_*`) is never ready.
   * @default ["STATUS_READY"]
   */
  readonly acceptedStatuses?: readonly string[];
  /**
   * Condition types that must be present and `True`. Conditions not listed are ignored; an empty
   * list ignores conditions altogether.
   * @default undefined: every condition the deployment reports must be `True`
   */
  readonly requiredConditions?: readonly string[];
  /**
   * Whether a deployment with `disabled: true` may count as ready.
   * @default false
   */
  readonly allowDisabled?: boolean;
}

/** A policy with its defaults applied and checked. */
export interface ResolvedReadinessPolicy {
  readonly acceptedStatuses: readonly string[];
  readonly requiredConditions: readonly string[] | undefined;
  readonly allowDisabled: boolean;
}

export interface ReadinessVerdict {
  readonly ready: boolean;
  /** One line per reason the deployment is not ready; empty when ready. */
  readonly blockers: readonly string[];
}

const CONDITION_TYPE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;

export function resolveReadinessPolicy(policy: ReadinessPolicy = {}): ResolvedReadinessPolicy {
  const acceptedStatuses = policy.acceptedStatuses ?? ["STATUS_READY"];
  if (acceptedStatuses.length === 0) {
    throw new ConfigurationError(
      "acceptedStatuses is empty, so no deployment could ever be ready. List at least one status, e.g. STATUS_READY.",
    );
  }
  const known: readonly string[] = KNOWN_DEPLOYMENT_STATUSES;
  const unknown = acceptedStatuses.filter((status) => !known.includes(status));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `acceptedStatuses contains ${unknown.map((s) => JSON.stringify(s)).join(", ")}, which is not a ` +
        `known deployment status. Use one of: ${known.join(", ")}.`,
    );
  }
  const requiredConditions = policy.requiredConditions;
  // Condition types are Kubernetes-style names (`Ready`, `example.com/Available`). Anything else
  // is a typo, and would have to be escaped inside the gate's Terraform expression.
  const badType = requiredConditions?.find((type) => !CONDITION_TYPE.test(type));
  if (badType !== undefined) {
    throw new ConfigurationError(
      `requiredConditions contains ${JSON.stringify(sanitizeText(badType, 60))}, which is not a ` +
        "condition type: use letters, digits, '.', '_', '-' and '/' only, e.g. Ready.",
    );
  }
  return {
    acceptedStatuses: [...new Set(acceptedStatuses)],
    requiredConditions: requiredConditions && [...new Set(requiredConditions)],
    allowDisabled: policy.allowDisabled ?? false,
  };
}

/** Decides readiness under a policy. Pure; shared by `isReady` and the gate's plan message. */
export function evaluateReadiness(
  deployment: Deployment,
  policy: ResolvedReadinessPolicy = resolveReadinessPolicy(),
): ReadinessVerdict {
  const blockers: string[] = [];
  const { status, conditions } = deployment.status;
  if (!policy.acceptedStatuses.includes(status)) {
    blockers.push(
      `status is ${sanitizeText(status, 60) || "(empty)"}; the gate accepts ${policy.acceptedStatuses.join(" or ")}`,
    );
  }
  if (deployment.spec.disabled && !policy.allowDisabled) {
    blockers.push("the deployment is disabled (spec.disabled is true)");
  }
  const considered =
    policy.requiredConditions === undefined
      ? conditions
      : conditions.filter((c) => policy.requiredConditions?.includes(c.type));
  for (const condition of considered) {
    if (condition.status !== "True") {
      // API text goes into CI logs: one bounded line each, no control characters (ANSI, newlines).
      const facts = [
        condition.reason && `reason: ${sanitizeText(condition.reason, 100)}`,
        condition.message && `message: ${sanitizeText(condition.message)}`,
        condition.zone && `zone: ${sanitizeText(condition.zone, 60)}`,
      ].filter(Boolean);
      const type = sanitizeText(condition.type, 100) || "(untyped)";
      const status = sanitizeText(condition.status, 40) || "(no status)";
      blockers.push(
        `condition ${type} is ${status}` + (facts.length > 0 ? ` (${facts.join("; ")})` : ""),
      );
    }
  }
  for (const type of policy.requiredConditions ?? []) {
    if (!conditions.some((c) => c.type === type)) {
      blockers.push(`required condition ${type} is not reported`);
    }
  }
  return { ready: blockers.length === 0, blockers };
}

/** The message a user sees when a deployment is not ready. */
export function describeNotReady(deployment: Deployment, verdict: ReadinessVerdict): string {
  return [
    `CoreWeave deployment "${deployment.spec.id}" is not ready (status ${sanitizeText(deployment.status.status, 60)}):`,
    ...verdict.blockers.map((blocker) => `  - ${blocker}`),
  ].join("\n");
}
