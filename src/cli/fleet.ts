/**
 * Many deployments in one command: which ones (IDs given, or the lookups a synthesized stack
 * recorded), reading or waiting for all of them with a bounded number of requests in flight, and
 * one result row per deployment that every output (text, JSON, summary, JUnit) is made from.
 */
import { setMaxListeners } from "node:events";
import { readFileSync, statSync } from "node:fs";
import { constants as osConstants } from "node:os";
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
 * - `cancelled`: not waited for to the end: another deployment failed for good (fail-fast), or
 *   the run was cancelled; `cancelledBy` says which.
 */
export type RowOutcome = WaitOutcome["outcome"] | "not_ready" | "error" | "cancelled";

export interface ResultRow {
  readonly deploymentId: string;
  readonly outcome: RowOutcome;
  readonly elapsedMs: number;
  /** Polls that ended, with an answer or a failure. */
  readonly polls: number;
  /** Why a `cancelled` row was not waited for to the end. */
  readonly cancelledBy?: "fail_fast" | "run";
  /** The last answer read, if any. */
  readonly deployment?: Deployment;
  readonly verdict?: ReadinessVerdict;
  /** Why it is not ready, as one message (the error a single-ID command prints). */
  readonly error?: CoreweaveError;
  /** The last failed poll of a wait, if any. */
  readonly lastError?: CoreweaveError;
}

/** Whether fail-fast stopped waiting for it: another deployment decided the run. */
export const notWaitedFor = (row: ResultRow): boolean => row.cancelledBy === "fail_fast";

/** Whether a cancelled run (a signal) ended its wait before it was decided. */
export const cutShortByRun = (row: ResultRow): boolean => row.cancelledBy === "run";

/** Why a run ended before its deployments did: a signal, or the parent process gone. */
export interface Cancellation {
  /** The signal the run ends as: its exit code is 128 plus its number (130, 143). */
  readonly signal: "SIGINT" | "SIGTERM";
  /** What happened, for people: `SIGTERM`, or `its parent process 41 (bash) is gone`. */
  readonly why: string;
}

/** The exit code of a cancelled run, as a shell reports a process a signal ended: 130, 143. */
export function cancelledExitCode(cancellation: Cancellation): number {
  return 128 + osConstants.signals[cancellation.signal];
}

/** A run of `get` or `wait` as every report sees it. */
export interface Run {
  readonly command: string;
  readonly rows: readonly ResultRow[];
  readonly cancelled?: Cancellation;
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

/** The outcomes, worst first: the order of `EXIT_OF`. */
export const WORST_FIRST = Object.keys(EXIT_OF) as readonly RowOutcome[];

/** The outcome of a run as a whole: `cancelled` if it was, else the worst of its rows. */
export function overallOutcome(run: Run): RowOutcome {
  if (run.cancelled) return "cancelled";
  return WORST_FIRST.find((outcome) => run.rows.some((row) => row.outcome === outcome)) ?? "ready";
}

/** The rows, worst first (then in the order given): what decided the outcome comes first. */
export function worstFirst(rows: readonly ResultRow[]): ResultRow[] {
  return [...rows].sort((a, b) => WORST_FIRST.indexOf(a.outcome) - WORST_FIRST.indexOf(b.outcome));
}

/**
 * Exit code of a run: a cancelled one's is its signal's (130, 143); else 0 only if every
 * deployment is fine, else the worst outcome's.
 */
export function exitCodeOf(run: Run, fine: readonly RowOutcome[]): number {
  if (run.cancelled) return cancelledExitCode(run.cancelled);
  if (run.rows.every((row) => fine.includes(row.outcome))) return EXIT.ok;
  return EXIT_OF[overallOutcome(run)];
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

/** `get` of many: each deployment read once, concurrently (the client bounds the requests). */
export async function readAll(
  client: WaitClient,
  ids: readonly string[],
  cancel?: AbortSignal,
): Promise<ResultRow[]> {
  const started = Date.now();
  // Every request listens to it: many, by design.
  if (cancel) setMaxListeners(0, cancel);
  return Promise.all(
    ids.map(async (deploymentId): Promise<ResultRow> => {
      try {
        const deployment = await client.getDeployment(deploymentId, { signal: cancel });
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
        const elapsedMs = Date.now() - started;
        if (cancel?.aborted && !(error instanceof CoreweaveError)) {
          return { deploymentId, outcome: "cancelled", cancelledBy: "run", elapsedMs, polls: 0 };
        }
        if (!(error instanceof CoreweaveError)) throw error;
        return { deploymentId, outcome: "error", elapsedMs, polls: 1, error };
      }
    }),
  );
}

export interface WaitAllHooks {
  /** Whether to keep waiting for the others after one turns terminal (`--keep-going`). */
  readonly keepGoing: boolean;
  /** Ends every wait at once: the run was cancelled (a signal, or the parent process gone). */
  readonly cancel?: AbortSignal;
  readonly onProgress?: WaitHooks["onProgress"];
  /** Each answer read, and each failed poll: what a live view shows. */
  readonly onUpdate?: (
    deploymentId: string,
    update: { readonly observation?: WaitObservation; readonly error?: CoreweaveError },
  ) => void;
}

/**
 * `wait` of many: every deployment polled until it is ready, all against one timeout. A terminal
 * failure (or a permanent API error) of one ends the others at once, unless `keepGoing`; a
 * cancelled run ends them all. Each ends as a row, with what was known when it ended.
 */
export async function waitForAll(
  client: WaitClient,
  ids: readonly string[],
  wait: ResolvedWaitOptions,
  hooks: WaitAllHooks,
): Promise<ResultRow[]> {
  const failFast = new AbortController();
  const signal = hooks.cancel ? AbortSignal.any([failFast.signal, hooks.cancel]) : failFast.signal;
  // Every request and every pause of every deployment listens to it: many, by design.
  setMaxListeners(0, signal);
  const started = Date.now();
  return Promise.all(
    ids.map(async (deploymentId): Promise<ResultRow> => {
      let last: WaitObservation | undefined;
      // Polls that ended, read or failed; one cut short by a cancelled run is not counted.
      let polls = 0;
      try {
        const outcome = await waitForReady(client, deploymentId, wait, {
          signal,
          onProgress: hooks.onProgress,
          onObservation: (observation) => {
            last = observation;
            polls++;
            hooks.onUpdate?.(deploymentId, { observation });
          },
          onPollFailure: (error) => {
            polls++;
            hooks.onUpdate?.(deploymentId, { error });
          },
        });
        const row = rowOf(outcome, wait);
        if (!hooks.keepGoing && row.outcome === "terminal") failFast.abort();
        return row;
      } catch (error) {
        const elapsedMs = Date.now() - started;
        if (signal.aborted && !(error instanceof CoreweaveError)) {
          const cancelledBy = hooks.cancel?.aborted ? "run" : "fail_fast";
          return {
            deploymentId,
            outcome: "cancelled",
            cancelledBy,
            elapsedMs,
            polls,
            ...observed(last),
          };
        }
        // Something unexpected ends the run: the other waits must not poll on behind it.
        if (!(error instanceof CoreweaveError)) {
          failFast.abort();
          throw error;
        }
        if (!hooks.keepGoing) failFast.abort();
        hooks.onUpdate?.(deploymentId, { error });
        return {
          deploymentId,
          outcome: "error",
          elapsedMs,
          polls: polls + 1,
          error,
          ...observed(last),
        };
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
