/**
 * Many deployments in one command: which ones (IDs given, or the lookups a synthesized stack
 * recorded), reading or waiting for all of them with a bounded number of requests in flight, and
 * one result row per deployment that every output (text, JSON, summary, JUnit) is made from.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CoreweaveError } from "../api/errors";
import { evaluateReadiness, type ReadinessVerdict } from "../api/readiness";
import type { Deployment } from "../api/deployment";
import { sanitizeText } from "../api/text";
import {
  type ResolvedWaitOptions,
  type WaitClient,
  waitForReady,
  type WaitHooks,
  type WaitObservation,
  type WaitOutcome,
  waitOutcomeError,
} from "../api/wait";
import { DEPLOYMENT_IDS_KEY } from "../lookup/deployment-source";
import { EXIT } from "./cli-io";
import { UsageError } from "./command-line";

/**
 * How one deployment's part of a run ended:
 * - `ready`; `not_ready`: read, not ready (`get` only);
 * - `timeout`, `terminal`, `unreachable`: as `WaitOutcome`;
 * - `error`: a failure that cannot succeed on retry (404, 401, TLS...);
 * - `cancelled`: not waited for to the end, because another deployment failed for good.
 */
export type RowOutcome = WaitOutcome["outcome"] | "not_ready" | "error" | "cancelled";

export interface ResultRow {
  readonly deploymentId: string;
  readonly outcome: RowOutcome;
  readonly elapsedMs: number;
  readonly polls: number;
  /** The last answer read, if any. */
  readonly deployment?: Deployment;
  readonly verdict?: ReadinessVerdict;
  /** Why it is not ready, as one message (the error a single-ID command prints). */
  readonly error?: CoreweaveError;
  /** The last failed poll of a wait, if any. */
  readonly lastError?: CoreweaveError;
}

/** The exit code each outcome stands for; the run takes its worst outcome's. */
const EXIT_OF: Readonly<Record<RowOutcome, number>> = {
  terminal: EXIT.terminal,
  error: EXIT.apiError,
  unreachable: EXIT.apiError,
  timeout: EXIT.notReady,
  cancelled: EXIT.notReady,
  not_ready: EXIT.notReady,
  ready: EXIT.ok,
};

/** The outcome of a run as a whole: the worst of its rows (the order of `EXIT_OF`). */
export function overallOutcome(rows: readonly ResultRow[]): RowOutcome {
  const worstFirst = Object.keys(EXIT_OF) as RowOutcome[];
  return worstFirst.find((outcome) => rows.some((row) => row.outcome === outcome)) ?? "ready";
}

/** Exit code of a run: 0 only if every deployment is fine; else the worst outcome's. */
export function exitCodeOf(rows: readonly ResultRow[], fine: readonly RowOutcome[]): number {
  if (rows.every((row) => fine.includes(row.outcome))) return EXIT.ok;
  return EXIT_OF[overallOutcome(rows)];
}

/** The deployments a command is about, and whether it keeps the single-deployment output. */
export interface Targets {
  readonly ids: readonly string[];
  readonly single: boolean;
}

/**
 * The deployments named by operands and `--stack`, each once. One operand and no `--stack` keeps
 * the single-deployment output.
 */
export function targetsOf(
  command: string,
  operands: readonly string[],
  stack: string | undefined,
): Targets {
  if (operands.includes("")) {
    throw new UsageError(
      `${command} got an empty deployment ID; is the variable that should hold it unset?`,
    );
  }
  const ids = [...operands];
  if (stack !== undefined) ids.push(...deploymentIdsOfStack(stack));
  if (ids.length === 0) {
    throw new UsageError(
      `${command} takes one or more deployment IDs, or --stack cdktf.out/stacks/<name>`,
    );
  }
  return { ids: [...new Set(ids)], single: operands.length === 1 && stack === undefined };
}

/**
 * The deployment IDs a synthesized stack's lookups recorded (`cdktf.out/stacks/<name>`, or its
 * `cdk.tf.json`), so a pipeline waits for exactly what the plan gates.
 */
export function deploymentIdsOfStack(path: string): string[] {
  const shown = JSON.stringify(sanitizeText(path, 200));
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, "cdk.tf.json");
  } catch {
    throw new UsageError(`--stack ${shown} does not exist: pass cdktf.out/stacks/<stack name>`);
  }
  let stack: unknown;
  try {
    stack = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(
      `--stack ${shown} holds no readable cdk.tf.json (${(error as Error).message}): ` +
        "run cdktf synth first, then pass cdktf.out/stacks/<stack name>",
    );
  }
  const ids = (stack as { "//"?: Record<string, unknown> } | null)?.["//"]?.[DEPLOYMENT_IDS_KEY];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === "string")) {
    throw new UsageError(
      `--stack ${shown} has no CoreweaveDeploymentData lookups recorded: synthesize the stack ` +
        "with this version of cdktf-coreweave-inference, or pass deployment IDs",
    );
  }
  return ids;
}

/** `get` of many: each deployment read once, concurrently. */
export async function readAll(client: WaitClient, ids: readonly string[]): Promise<ResultRow[]> {
  const started = Date.now();
  return Promise.all(
    ids.map(async (deploymentId): Promise<ResultRow> => {
      try {
        const deployment = await client.getDeployment(deploymentId);
        const verdict = evaluateReadiness(deployment);
        const outcome = verdict.ready ? "ready" : "not_ready";
        return {
          deploymentId,
          outcome,
          elapsedMs: Date.now() - started,
          polls: 1,
          deployment,
          verdict,
        };
      } catch (error) {
        if (!(error instanceof CoreweaveError)) throw error;
        return { deploymentId, outcome: "error", elapsedMs: Date.now() - started, polls: 1, error };
      }
    }),
  );
}

export interface WaitAllHooks {
  /** Whether to keep waiting for the others after one turns terminal (`--keep-going`). */
  readonly keepGoing: boolean;
  readonly onProgress?: WaitHooks["onProgress"];
  /** Each answer read, and each failed poll: what a live view shows. */
  readonly onUpdate?: (
    deploymentId: string,
    update: { readonly observation?: WaitObservation; readonly error?: CoreweaveError },
  ) => void;
}

/**
 * `wait` of many: every deployment polled until it is ready, all against one timeout. A terminal
 * failure (or a permanent API error) of one ends the others at once, unless `keepGoing`.
 */
export async function waitForAll(
  client: WaitClient,
  ids: readonly string[],
  wait: ResolvedWaitOptions,
  hooks: WaitAllHooks,
): Promise<ResultRow[]> {
  const stop = new AbortController();
  const started = Date.now();
  return Promise.all(
    ids.map(async (deploymentId): Promise<ResultRow> => {
      let last: WaitObservation | undefined;
      try {
        const outcome = await waitForReady(client, deploymentId, wait, {
          signal: stop.signal,
          onProgress: hooks.onProgress,
          onObservation: (observation) => {
            last = observation;
            hooks.onUpdate?.(deploymentId, { observation });
          },
          onPollFailure: (error) => hooks.onUpdate?.(deploymentId, { error }),
        });
        const row = rowOf(outcome, wait);
        if (!hooks.keepGoing && row.outcome === "terminal") stop.abort();
        return row;
      } catch (error) {
        const elapsedMs = Date.now() - started;
        if (stop.signal.aborted && !(error instanceof CoreweaveError)) {
          return { deploymentId, outcome: "cancelled", elapsedMs, polls: 0, ...observed(last) };
        }
        if (!(error instanceof CoreweaveError)) throw error;
        if (!hooks.keepGoing) stop.abort();
        hooks.onUpdate?.(deploymentId, { error });
        return { deploymentId, outcome: "error", elapsedMs, polls: 0, error, ...observed(last) };
      }
    }),
  );
}

function observed(last: WaitObservation | undefined) {
  return last ? { deployment: last.deployment, verdict: last.verdict } : {};
}

/** One wait's outcome as a row. */
export function rowOf(outcome: WaitOutcome, wait: ResolvedWaitOptions): ResultRow {
  const { deploymentId, elapsedMs, polls } = outcome;
  const base = { deploymentId, outcome: outcome.outcome, elapsedMs, polls };
  switch (outcome.outcome) {
    case "ready":
      return { ...base, ...observed(outcome) };
    case "terminal":
      return { ...base, ...observed(outcome), error: waitOutcomeError(outcome, wait) };
    case "timeout":
      return {
        ...base,
        ...observed(outcome.last),
        error: waitOutcomeError(outcome, wait),
        lastError: outcome.lastError,
      };
    case "unreachable":
      return { ...base, error: waitOutcomeError(outcome, wait), lastError: outcome.lastError };
  }
}
