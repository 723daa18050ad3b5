/** `coreweave-inference wait <id>...`: poll deployments until every one is ready. */
import { MAX_TIMER_MS } from "../../api/connection";
import type { CoreweaveInferenceClient } from "../../api/coreweave-inference-client";
import { formatDuration } from "../../api/duration";
import { conditionTypeProblem, policyWarnings, statusNameProblem } from "../../api/readiness";
import { sanitizeText } from "../../api/text";
import {
  DEFAULT_POLL_INTERVAL_MS,
  type ResolvedWaitOptions,
  resolveWaitOptions,
} from "../../api/wait";
import type { CliIo } from "../cli-io";
import { defineCommand } from "../command";
import { durationFlag, type FlagValues, UsageError } from "../command-line";
import {
  type Cancellation,
  exitCodeOf,
  type ResultRow,
  type Run,
  type Targets,
  targetsOf,
  waitForAll,
} from "../fleet";
import { apiClient, FLEET_FLAGS } from "../flags";
import { LiveTable, useColour } from "../live-table";
import { jsonRow } from "../reports";
import { cancelledLine, prepareReportPath, printMany, readyLine, reportToCi } from "../results";

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
  reportsWhenCancelled: true,
  async run({ operands, flags }, io) {
    // Resolved before the first request, so a bad policy is a usage error, not a wait.
    const options = waitOptions(flags);
    const targets = targetsOf("wait", operands, flags.stack);
    if (flags.junit !== undefined) prepareReportPath("--junit", flags.junit);
    for (const warning of policyWarnings(options.policy, "--accept")) {
      io.stderr(`coreweave-inference: warning: ${warning}\n`);
    }
    const api = apiClient(flags.endpoint, io.env);
    let run: Run;
    try {
      const rows = await waitForEvery(api, targets, options, flags["keep-going"] ?? false, io);
      run = { command: "wait", rows, cancelled: io.cancel?.reason as Cancellation | undefined };
    } finally {
      await api.close();
    }
    if (targets.single) {
      const [row] = run.rows;
      if (flags.json) io.stdout(`${JSON.stringify(jsonRow(row), null, 2)}\n`);
      else if (row.outcome === "ready") io.stdout(readyLine(row));
      if (row.error) io.stderr(`coreweave-inference: ${row.error.message}\n`);
      if (run.cancelled) io.stderr(cancelledLine(run));
    } else {
      printMany(run, flags.json ?? false, io, {
        json: jsonRow,
        text: (row) => (row.outcome === "ready" ? readyLine(row) : ""),
      });
    }
    return Math.max(exitCodeOf(run, ["ready"]), reportToCi(run, flags.junit, io));
  },
});

/**
 * Polls every deployment until it is ready. Many, on a terminal: a live table; otherwise one
 * progress line per status change.
 */
async function waitForEvery(
  api: CoreweaveInferenceClient,
  targets: Targets,
  options: ResolvedWaitOptions,
  keepGoing: boolean,
  io: CliIo,
): Promise<ResultRow[]> {
  const table =
    io.stderrIsTTY && !targets.single
      ? new LiveTable(targets.ids, io.stderr, {
          colour: useColour(true, io.env),
          size: () => ({ columns: io.columns ?? 80, rows: io.rows ?? 24 }),
        })
      : undefined;
  const stopResizing = table && io.onResize?.(() => table.resize());
  try {
    const rows = await waitForAll(api, targets.ids, options, {
      keepGoing,
      cancel: io.cancel,
      onProgress: table ? undefined : (line) => io.stderr(`${line}\n`),
      onUpdate: table && ((deploymentId, update) => table.update(deploymentId, update)),
    });
    table?.finish(rows);
    return rows;
  } finally {
    stopResizing?.();
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
