/**
 * Waiting until a deployment is ready (by `evaluateReadiness`): the one polling loop behind the
 * `wait` prop of `CoreweaveDeploymentData` and `coreweave-inference wait`.
 */
import type { CoreweaveInferenceClient } from "./coreweave-inference-client";
import { MAX_TIMER_MS, requireInteger } from "./connection";
import { formatDuration, formatElapsed } from "./duration";
import {
  ConfigurationError,
  CoreweaveError,
  DeploymentTerminalError,
  deserializeError,
  WaitTimeoutError,
} from "./errors";
import {
  evaluateReadiness,
  type FreshnessBound,
  type ReadinessPolicy,
  type ReadinessVerdict,
  type ResolvedReadinessPolicy,
  resolveReadinessPolicy,
} from "./readiness";
import { backoffDelayMs, DEFAULT_RETRY_POLICY, isRetryable, pause } from "./retry";
import type { Deployment } from "./deployment";
import { sanitizeText } from "./text";

/** What a wait needs of the client: a tool may pass its own (one that limits requests in flight). */
export type WaitClient = Pick<CoreweaveInferenceClient, "getDeployment" | "deadlineMs">;

/** How long and how often to poll, and what counts as ready. */
export interface WaitOptions extends ReadinessPolicy, FreshnessBound {
  /** The whole wait, requests included, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * Time between polls, in milliseconds. After a failed poll that can succeed on retry, the
   * next one backs off (doubling, up to 8 times this) or waits the API's `Retry-After`.
   * @default 10000
   */
  readonly pollIntervalMs?: number;
}

export const DEFAULT_POLL_INTERVAL_MS = 10_000;

/** The last answer a wait read. */
export interface WaitObservation {
  readonly deployment: Deployment;
  readonly verdict: ReadinessVerdict;
  /** When it was read (RFC 3339). */
  readonly observedAt: string;
}

/**
 * How a wait ended, unless an error that cannot succeed on retry ended it first (thrown):
 * - `ready`: the last answer meets the policy;
 * - `terminal`: the last answer can never meet it (`verdict.terminal` says why);
 * - `timeout`: time ran out after the deployment was read and found not ready; `last` is the
 *   last answer read, `lastError` the last failed poll after it, if any;
 * - `unreachable`: time ran out and no poll ever read the deployment (a wrong endpoint, an API
 *   down throughout): `lastError` says why. Not a slow rollout, so callers report it as an API
 *   failure, not as "not ready yet".
 */
export type WaitOutcome = {
  readonly deploymentId: string;
  readonly elapsedMs: number;
  readonly polls: number;
} & (
  | ({ readonly outcome: "ready" } & WaitObservation)
  | ({ readonly outcome: "terminal" } & WaitObservation)
  | {
      readonly outcome: "timeout";
      readonly last: WaitObservation;
      readonly lastError?: CoreweaveError;
    }
  | { readonly outcome: "unreachable"; readonly lastError: CoreweaveError }
);

export interface WaitHooks {
  /** Called with one line per status change (and per failed poll), elapsed time first. */
  readonly onProgress?: (line: string) => void;
  /** Called with every answer read, for a live view. */
  readonly onObservation?: (observation: WaitObservation) => void;
  /** Called with every failed poll that will be retried. */
  readonly onPollFailure?: (error: CoreweaveError) => void;
  /** Ends the wait at once, rejecting with the signal's reason (another deployment failed). */
  readonly signal?: AbortSignal;
}

/**
 * Wait options with defaults applied, values checked and the policy resolved, once, by
 * {@link resolveWaitOptions}, then used as given (plain data, so it crosses to the lookup thread).
 */
export interface ResolvedWaitOptions extends FreshnessBound {
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  readonly policy: ResolvedReadinessPolicy;
}

/** Checks wait options, naming the bad one, and resolves them. */
export function resolveWaitOptions(options: WaitOptions): ResolvedWaitOptions {
  const { timeoutMs, pollIntervalMs = DEFAULT_POLL_INTERVAL_MS, notBefore } = options;
  requireInteger("wait.timeoutMs", timeoutMs, 1, MAX_TIMER_MS);
  requireInteger("wait.pollIntervalMs", pollIntervalMs, 1, MAX_TIMER_MS);
  if (notBefore !== undefined && Number.isNaN(Date.parse(notBefore))) {
    throw new ConfigurationError(
      `wait.notBefore ${JSON.stringify(sanitizeText(notBefore, 40))} is not an RFC 3339 ` +
        "time; write e.g. 2026-01-31T12:00:00Z.",
    );
  }
  return {
    timeoutMs,
    pollIntervalMs,
    ...(notBefore !== undefined && { notBefore }),
    policy: resolveReadinessPolicy(options),
  };
}

/** Judges one answer for a waiter: ready, never going to be, or not yet. */
export function judge(
  deployment: Deployment,
  wait: ResolvedWaitOptions,
): { readonly verdict: ReadinessVerdict; readonly outcome: "ready" | "terminal" | "pending" } {
  const verdict = evaluateReadiness(deployment, wait.policy, wait);
  return {
    verdict,
    outcome: verdict.ready ? "ready" : verdict.terminal ? "terminal" : "pending",
  };
}

/**
 * Polls until the deployment is ready under `wait` (from {@link resolveWaitOptions}) or the wait
 * ends otherwise (see {@link WaitOutcome}; {@link waitOutcomeError} makes that an error). Errors
 * that cannot succeed on retry (404, 401, bad configuration) are thrown at once, as themselves.
 */
export async function waitForReady(
  client: WaitClient,
  deploymentId: string,
  wait: ResolvedWaitOptions,
  hooks: WaitHooks = {},
): Promise<WaitOutcome> {
  const interval = wait.pollIntervalMs;
  const started = Date.now();
  const deadline = started + wait.timeoutMs;
  const progress = (line: string) =>
    hooks.onProgress?.(`[${formatElapsed(Date.now() - started)}] ${line}`);
  let last: WaitObservation | undefined;
  let lastError: CoreweaveError | undefined;
  let lastLine = "";
  let failures = 0;
  const backoff = { ...DEFAULT_RETRY_POLICY, initialDelayMs: interval, maxDelayMs: interval * 8 };
  const { signal } = hooks;
  for (let polls = 1; ; polls++) {
    const ended = () => ({ deploymentId, polls, elapsedMs: Date.now() - started });
    let delay = interval;
    signal?.throwIfAborted();
    try {
      const deployment = await client.getDeployment(deploymentId, {
        deadlineMs: Math.max(1, Math.min(client.deadlineMs, deadline - Date.now())),
        signal,
      });
      const { verdict, outcome } = judge(deployment, wait);
      last = { deployment, verdict, observedAt: new Date().toISOString() };
      hooks.onObservation?.(last);
      failures = 0;
      const line = describeState(deployment, verdict);
      if (line !== lastLine) progress(line);
      lastLine = line;
      if (outcome !== "pending") return { ...ended(), ...last, outcome };
    } catch (error) {
      if (!(error instanceof CoreweaveError) || !isRetryable(error)) throw error;
      // A poll that the wait's own end cut short says nothing about the API: the last real
      // failure stays the one reported (not "no answer within 1 ms").
      if (lastError === undefined || Date.now() < deadline) {
        lastError = error;
        failures++;
        hooks.onPollFailure?.(error);
        progress(`poll failed, will retry: ${sanitizeText(error.message, 200)}`);
        delay = Math.max(backoffDelayMs(failures - 1, backoff), error.retryAfterMs ?? 0);
      }
    }
    const remaining = deadline - Date.now();
    if (remaining > 0) await pause(Math.min(delay, remaining), signal);
    if (Date.now() >= deadline) {
      if (last) return { ...ended(), outcome: "timeout", last, lastError };
      // Only failed polls reach here without `last`, and each one set `lastError`.
      return { ...ended(), outcome: "unreachable", lastError: lastError! };
    }
  }
}

/** The error for a wait that did not end ready: what a synth or a pipeline step fails with. */
export function waitOutcomeError(
  outcome: Exclude<WaitOutcome, { outcome: "ready" }>,
  wait: ResolvedWaitOptions,
): CoreweaveError {
  const { deploymentId } = outcome;
  if (outcome.outcome === "terminal") {
    return new DeploymentTerminalError(
      `CoreWeave deployment "${deploymentId}" will not become ready: ${outcome.verdict.terminal}. ` +
        "Waiting will not help; fix the deployment in CoreWeave.",
      { deploymentId },
    );
  }
  const waited = `${formatElapsed(outcome.elapsedMs)} (timeout ${formatDuration(wait.timeoutMs)})`;
  if (outcome.outcome === "unreachable") {
    // The class of the last failure, not WaitTimeoutError: the API was never read, so this is
    // the endpoint or the API failing, not a rollout that is slow.
    const { lastError } = outcome;
    return deserializeError({
      ...lastError.toJSON(),
      deploymentId,
      message:
        `CoreWeave deployment "${deploymentId}" could not be read in ${outcome.polls} ` +
        `poll${outcome.polls === 1 ? "" : "s"} over ${waited}; the last error: ${lastError.message}`,
    });
  }
  return new WaitTimeoutError(
    `CoreWeave deployment "${deploymentId}" was not ready after ${waited}. ` +
      `Last status ${sanitizeText(outcome.last.deployment.status.status, 60)}:\n` +
      outcome.last.verdict.blockers.map((blocker) => `  - ${blocker}`).join("\n"),
    { deploymentId },
  );
}

function describeState(deployment: Deployment, verdict: ReadinessVerdict): string {
  const status = sanitizeText(deployment.status.status, 60);
  if (verdict.ready) return `${deployment.spec.id}: ${status}, ready`;
  return `${deployment.spec.id}: ${status}, not ready: ${verdict.blockers.join("; ")}`;
}
