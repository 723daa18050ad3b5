import { ConfigurationError } from "./errors";
import { sanitizeText } from "./text";
import { type Deployment, KNOWN_DEPLOYMENT_STATUSES } from "./deployment";

/** What "ready" means. The defaults are the strict reading. */
export interface ReadinessPolicy {
  /**
   * Statuses that count as ready. A status this library does not know (a new `STATUS_*`, e.g.
   * `STATUS_RUNNING`) is never ready unless listed here by name; listing one is allowed, with a
   * warning (see `policyWarnings`), so a pipeline is not stuck the day the API adds a status.
   * `STATUS_UNSPECIFIED` (no status at all) cannot be listed.
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
  /** Why waiting cannot help: a terminal status, or disabled and not allowed. Absent otherwise. */
  readonly terminal?: string;
}

/** Statuses a deployment does not leave by itself; waiting on one is pointless. */
export const TERMINAL_STATUSES: readonly string[] = ["STATUS_FAILED", "STATUS_ERROR"];

const STATUS_NAME = /^STATUS_[A-Z0-9_]{1,60}$/;

const CONDITION_TYPE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;

/**
 * Why a status cannot be listed as ready, as a clause that follows the status ("… "READY" is
 * not …"); undefined when it can. Shared by the props check and the CLI's `--accept` check, so
 * each names its own option.
 */
export function statusNameProblem(status: string): string | undefined {
  if (STATUS_NAME.test(status) && status !== "STATUS_UNSPECIFIED") return undefined;
  return (
    "is not a status that can count as ready. Write statuses as the API does (STATUS_ and " +
    `capitals), e.g. ${KNOWN_DEPLOYMENT_STATUSES.join(", ")}.`
  );
}

/**
 * Why a condition type cannot be required, as a clause like {@link statusNameProblem}.
 * Condition types are Kubernetes-style names (`Ready`, `example.com/Available`). Anything else is
 * a typo, and would have to be escaped inside the gate's Terraform expression.
 */
export function conditionTypeProblem(type: string): string | undefined {
  if (CONDITION_TYPE.test(type)) return undefined;
  return "is not a condition type: use letters, digits, '.', '_', '-' and '/' only, e.g. Ready.";
}

export function resolveReadinessPolicy(policy: ReadinessPolicy = {}): ResolvedReadinessPolicy {
  const acceptedStatuses = policy.acceptedStatuses ?? ["STATUS_READY"];
  if (acceptedStatuses.length === 0) {
    throw new ConfigurationError(
      "acceptedStatuses is empty, so no deployment could ever be ready. List at least one status, e.g. STATUS_READY.",
    );
  }
  const refuse = (option: string, value: string, problem: string | undefined) => {
    if (problem === undefined) return;
    throw new ConfigurationError(
      `${option} contains ${JSON.stringify(sanitizeText(value, 60))}, which ${problem}`,
    );
  };
  acceptedStatuses.forEach((s) => refuse("acceptedStatuses", s, statusNameProblem(s)));
  const { requiredConditions } = policy;
  requiredConditions?.forEach((t) => refuse("requiredConditions", t, conditionTypeProblem(t)));
  return {
    acceptedStatuses: [...new Set(acceptedStatuses)],
    requiredConditions: requiredConditions && [...new Set(requiredConditions)],
    allowDisabled: policy.allowDisabled ?? false,
  };
}

/**
 * Warnings about a policy that is valid but risky: accepted statuses this library does not know.
 * `option` names where they were listed: the prop by default, `--accept` for the CLI.
 */
export function policyWarnings(
  policy: ResolvedReadinessPolicy,
  option = "acceptedStatuses",
): string[] {
  const known: readonly string[] = KNOWN_DEPLOYMENT_STATUSES;
  return policy.acceptedStatuses
    .filter((status) => !known.includes(status))
    .map(
      (status) =>
        `${option} lists ${status}, which this version of cdktf-coreweave-inference does ` +
        `not know (known: ${known.join(", ")}). It counts as ready because you listed it; ` +
        "check that it means what you expect.",
    );
}

/** Options of {@link evaluateReadiness} (and of a wait) beyond the policy. */
export interface FreshnessBound {
  /**
   * READY counts only when the deployment reported it at or after this time (RFC 3339): both
   * `status.updatedAt` and, where the Ready condition has one, its `lastUpdateTime`. Guards
   * against reading the previous READY right after an update: set it to the time of the change.
   * @default no freshness bound
   */
  readonly notBefore?: string;
}

/**
 * Decides readiness under a policy. Pure; the one definition of "ready" that `isReady`, the
 * gate (whose Terraform condition mirrors it), the wait and the CLI all use.
 */
export function evaluateReadiness(
  deployment: Deployment,
  policy: ResolvedReadinessPolicy = resolveReadinessPolicy(),
  freshness: FreshnessBound = {},
): ReadinessVerdict {
  const blockers: string[] = [];
  const { status, conditions } = deployment.status;
  if (!policy.acceptedStatuses.includes(status)) {
    blockers.push(
      `status is ${sanitizeText(status, 60) || "(empty)"}; ready needs ${policy.acceptedStatuses.join(" or ")}`,
    );
  }
  if (deployment.spec.disabled && !policy.allowDisabled) {
    blockers.push("the deployment is disabled (spec.disabled is true)");
  }
  const failing = conditions.filter(
    (c) => c.status !== "True" && (policy.requiredConditions?.includes(c.type) ?? true),
  );
  for (const condition of failing) {
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
  for (const type of policy.requiredConditions ?? []) {
    if (!conditions.some((c) => c.type === type)) {
      blockers.push(`required condition ${type} is not reported`);
    }
  }
  if (freshness.notBefore !== undefined)
    blockers.push(...staleness(deployment, freshness.notBefore));
  if (blockers.length === 0) return { ready: true, blockers };
  const terminal =
    TERMINAL_STATUSES.includes(status) && !policy.acceptedStatuses.includes(status)
      ? `status ${status} is terminal: the deployment will not become ready by itself`
      : deployment.spec.disabled && !policy.allowDisabled
        ? "the deployment is disabled: CoreWeave tears a disabled deployment down, so it never becomes ready (allowDisabled accepts it)"
        : undefined;
  return { ready: false, blockers, ...(terminal !== undefined && { terminal }) };
}

/**
 * Blockers when the deployment has not reported since `notBefore`. `status.updatedAt` is the
 * field trusted first: the API sets it whenever the controller writes the status, so a value
 * before `notBefore` is the status from before the change. The Ready condition's
 * `lastUpdateTime`, where present, must be fresh too: a Ready=True from before the change is the
 * old READY. A missing `updatedAt` cannot show freshness, so it blocks (fail closed).
 */
function staleness(deployment: Deployment, notBefore: string): string[] {
  const bound = Date.parse(notBefore);
  const { updatedAt, conditions } = deployment.status;
  const blockers: string[] = [];
  if (updatedAt === undefined) {
    blockers.push(
      `status.updatedAt is not reported, so the status cannot be shown to be newer than ${notBefore}`,
    );
  } else if (Date.parse(updatedAt) < bound) {
    blockers.push(
      `status.updatedAt ${updatedAt} is before ${notBefore}: the status predates the change`,
    );
  }
  const ready = conditions.find((c) => c.type === "Ready");
  if (ready?.lastUpdateTime !== undefined && Date.parse(ready.lastUpdateTime) < bound) {
    blockers.push(
      `condition Ready was last updated at ${ready.lastUpdateTime}, before ${notBefore}: it predates the change`,
    );
  }
  return blockers;
}

/** The message a user sees when a deployment is not ready. */
export function describeNotReady(deployment: Deployment, verdict: ReadinessVerdict): string {
  return [
    `CoreWeave deployment "${deployment.spec.id}" is not ready (status ${sanitizeText(deployment.status.status, 60)}):`,
    ...verdict.blockers.map((blocker) => `  - ${blocker}`),
  ].join("\n");
}
