/** `coreweave-inference wait <id>...`: poll deployments until every one is ready. */
import { limitRequests } from "../../api/concurrency";
import { MAX_TIMER_MS } from "../../api/connection";
import type { CoreweaveInferenceClient } from "../../api/coreweave-inference-client";
import { formatDuration } from "../../api/duration";
import { CoreweaveError } from "../../api/errors";
import { conditionTypeProblem, policyWarnings, statusNameProblem } from "../../api/readiness";
import { sanitizeText } from "../../api/text";
import {
  DEFAULT_POLL_INTERVAL_MS,
  type ResolvedWaitOptions,
  resolveWaitOptions,
  waitForReady,
} from "../../api/wait";
import type { CliIo } from "../cli-io";
import { defineCommand } from "../command";
import { durationFlag, type FlagValues, UsageError } from "../command-line";
import { exitCodeOf, type ResultRow, rowOf, targetsOf, waitForAll } from "../fleet";
import { apiClient, FLEET_FLAGS } from "../flags";
import { jsonRow, LiveTable, useColour } from "../reports";
import { printMany, readyLine, reportToCi } from "../results";

/** How long `wait` waits unless told: a rollout's usual ceiling, well inside a CI job's. */
const DEFAULT_TIMEOUT_MS = 20 * 60_000;

const WAIT_FLAGS = {
  ...FLEET_FLAGS,
  timeout: {
    type: "string",
    placeholder: "D",
    description: `the whole wait, requests included (default ${formatDuration(DEFAULT_TIMEOUT_MS)}); durations: 500ms, 10s, 20m, 2h`,
  },
  interval: {
    type: "string",
    placeholder: "D",
    description: `time between polls (default ${formatDuration(DEFAULT_POLL_INTERVAL_MS)}); backs off after failed polls`,
  },
  accept: {
    type: "string",
    multiple: true,
    placeholder: "STATUS",
    description: "a status that counts as ready (repeatable; default STATUS_READY)",
  },
  condition: {
    type: "string",
    multiple: true,
    placeholder: "TYPE",
    description: "a condition that must be True (repeatable; default: every condition)",
  },
  "allow-disabled": {
    type: "boolean",
    description: "a disabled deployment may count as ready",
  },
  "updated-after": {
    type: "string",
    placeholder: "T",
    description: "READY counts only if reported at or after T (status.updatedAt, Ready condition)",
  },
  "keep-going": {
    type: "boolean",
    description: "keep waiting for the others when one fails for good (default: stop at once)",
  },
} as const;

export const command = defineCommand({
  name: "wait",
  operands: "<id>...",
  summary: "wait until every deployment is ready",
  flags: WAIT_FLAGS,
  async run({ operands, flags }, io) {
    // Resolved before the first request, so a bad policy is a usage error, not a wait.
    const options = waitOptions(flags);
    const targets = targetsOf("wait", operands, flags.stack);
    for (const warning of policyWarnings(options.policy, "--accept")) {
      io.stderr(`coreweave-inference: warning: ${warning}\n`);
    }
    const api = apiClient(flags.endpoint, io.env);
    let rows: ResultRow[];
    try {
      rows = targets.single
        ? [await waitForOne(api, targets.ids[0], options, io)]
        : await waitForMany(api, targets.ids, options, flags["keep-going"] ?? false, io);
    } finally {
      await api.close();
    }
    if (targets.single) {
      const [row] = rows;
      if (flags.json) io.stdout(`${JSON.stringify(jsonRow(row), null, 2)}\n`);
      else if (row.outcome === "ready") io.stdout(readyLine(row));
      if (row.error) io.stderr(`coreweave-inference: ${row.error.message}\n`);
    } else {
      printMany(rows, flags.json ?? false, io, {
        json: jsonRow,
        text: (row) => (row.outcome === "ready" ? readyLine(row) : ""),
      });
    }
    return Math.max(exitCodeOf(rows, ["ready"]), reportToCi("wait", rows, flags.junit, io));
  },
});

async function waitForOne(
  api: CoreweaveInferenceClient,
  deploymentId: string,
  options: ResolvedWaitOptions,
  io: CliIo,
): Promise<ResultRow> {
  const started = Date.now();
  try {
    const outcome = await waitForReady(api, deploymentId, options, {
      onProgress: (line) => io.stderr(`${line}\n`),
    });
    return rowOf(outcome, options);
  } catch (error) {
    // A permanent API answer (401, 403, 404...) ends the wait at once: exit 3, said as such.
    if (!(error instanceof CoreweaveError)) throw error;
    return { deploymentId, outcome: "error", elapsedMs: Date.now() - started, polls: 1, error };
  }
}

/** Many waits: a live table on a terminal; elsewhere one progress line per status change. */
async function waitForMany(
  api: CoreweaveInferenceClient,
  ids: readonly string[],
  options: ResolvedWaitOptions,
  keepGoing: boolean,
  io: CliIo,
): Promise<ResultRow[]> {
  const table = io.stderrIsTTY
    ? new LiveTable(ids, io.stderr, {
        colour: useColour(true, io.env),
        columns: io.columns ?? 80,
      })
    : undefined;
  try {
    const rows = await waitForAll(limitRequests(api), ids, options, {
      keepGoing,
      onProgress: table ? undefined : (line) => io.stderr(`${line}\n`),
      onUpdate: table && ((deploymentId, update) => table.update(deploymentId, update)),
    });
    table?.finish(rows);
    return rows;
  } finally {
    table?.stop();
  }
}

/**
 * The flags as resolved wait options. Each flag is checked here first, so that a mistake is a
 * usage error in the CLI's words (`--timeout`, `--accept`); resolving cannot fail after that.
 */
function waitOptions(flags: FlagValues<typeof WAIT_FLAGS>): ResolvedWaitOptions {
  const updatedAfter = flags["updated-after"];
  if (updatedAfter !== undefined && Number.isNaN(Date.parse(updatedAfter))) {
    throw new UsageError(
      `--updated-after ${JSON.stringify(sanitizeText(updatedAfter, 40))} is not an RFC 3339 time, e.g. 2026-01-31T12:00:00Z`,
    );
  }
  const listed = (
    flag: string,
    values: readonly string[] | undefined,
    check: typeof statusNameProblem,
  ) => {
    for (const value of values ?? []) {
      const problem = check(value);
      if (problem !== undefined) {
        throw new UsageError(`--${flag} ${JSON.stringify(sanitizeText(value, 60))} ${problem}`);
      }
    }
    return values;
  };
  return resolveWaitOptions({
    timeoutMs:
      flags.timeout === undefined
        ? DEFAULT_TIMEOUT_MS
        : durationFlag("timeout", flags.timeout, MAX_TIMER_MS),
    pollIntervalMs:
      flags.interval === undefined
        ? DEFAULT_POLL_INTERVAL_MS
        : durationFlag("interval", flags.interval, MAX_TIMER_MS),
    acceptedStatuses: listed("accept", flags.accept, statusNameProblem),
    requiredConditions: listed("condition", flags.condition, conditionTypeProblem),
    allowDisabled: flags["allow-disabled"] ?? false,
    notBefore: updatedAfter,
  });
}
