/**
 * `get` and `wait`, for one deployment or many. One positional ID keeps the single-deployment
 * output; several IDs, or `--stack`, give one result per deployment plus an overall outcome.
 * Either way, CI gets its own results: GitHub's step summary and annotations when running
 * there, and a JUnit report with `--junit FILE`.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { CoreweaveInferenceClient } from "../api/client";
import { CoreweaveError } from "../api/errors";
import { evaluateReadiness } from "../api/readiness";
import { sanitizeText } from "../api/text";
import { type ResolvedWaitOptions, waitForReady } from "../api/wait";
import { type CliIo, EXIT, type Flags, UsageError } from "./cli-io";
import {
  CONCURRENCY,
  deploymentIdsOfStack,
  exitCodeOf,
  limitedClient,
  overallOutcome,
  readAll,
  type ResultRow,
  rowOf,
  waitForAll,
} from "./fleet";
import { renderDeployment } from "./render";
import { annotations, jsonRow, junitReport, LiveTable, stepSummary, useColour } from "./reports";

/** The deployments a command is about, and whether it keeps the single-deployment output. */
interface Targets {
  readonly ids: readonly string[];
  readonly single: boolean;
}

export function targetsOf(command: string, positionals: readonly string[], flags: Flags): Targets {
  const ids = [...positionals];
  if (flags.stack !== undefined) ids.push(...deploymentIdsOfStack(flags.stack));
  if (ids.length === 0) {
    throw new UsageError(
      `${command} takes one or more deployment IDs, or --stack cdktf.out/stacks/<name>`,
    );
  }
  return { ids: [...new Set(ids)], single: positionals.length === 1 && flags.stack === undefined };
}

/** The client, with configuration errors worded for the command line (flags, variables). */
export function cliClient(flags: Flags, env: NodeJS.ProcessEnv): CoreweaveInferenceClient {
  return new CoreweaveInferenceClient({
    endpoint: flags.endpoint,
    env,
    optionNames: { endpoint: "--endpoint" },
  });
}

export async function get(targets: Targets, flags: Flags, io: CliIo): Promise<number> {
  const api = cliClient(flags, io.env);
  const started = Date.now();
  let rows: ResultRow[];
  try {
    if (targets.single) {
      // A failed read of one deployment is the command's error, as before (exit 3).
      const deployment = await api.getDeployment(targets.ids[0]);
      const verdict = evaluateReadiness(deployment);
      io.stdout(
        flags.json
          ? `${JSON.stringify({ deployment, readiness: verdict }, null, 2)}\n`
          : `${renderDeployment(deployment, verdict)}\n`,
      );
      const outcome = verdict.ready ? "ready" : "not_ready";
      const elapsedMs = Date.now() - started;
      rows = [{ deploymentId: targets.ids[0], outcome, elapsedMs, polls: 1, deployment, verdict }];
    } else {
      rows = await readAll(limitedClient(api, CONCURRENCY), targets.ids);
      printMany(rows, flags, io, {
        json: (row) =>
          row.error
            ? { deploymentId: row.deploymentId, error: row.error.toJSON() }
            : {
                deploymentId: row.deploymentId,
                deployment: row.deployment,
                readiness: row.verdict,
              },
        text: (row) =>
          row.deployment && row.verdict
            ? `${renderDeployment(row.deployment, row.verdict)}\n\n`
            : "",
      });
    }
  } finally {
    await api.close();
  }
  const code = exitCodeOf(rows, ["ready", "not_ready"]);
  return Math.max(code, reportToCi("get", rows, flags, io));
}

export async function wait(
  targets: Targets,
  options: ResolvedWaitOptions,
  flags: Flags,
  io: CliIo,
): Promise<number> {
  const api = cliClient(flags, io.env);
  let rows: ResultRow[];
  try {
    rows = targets.single
      ? [await waitForOne(api, targets.ids[0], options, io)]
      : await waitForMany(api, targets.ids, options, flags, io);
  } finally {
    await api.close();
  }
  if (targets.single) {
    const [row] = rows;
    if (flags.json) io.stdout(`${JSON.stringify(jsonRow(row), null, 2)}\n`);
    else if (row.outcome === "ready") io.stdout(readyLine(row));
    if (row.error) io.stderr(`coreweave-inference: ${row.error.message}\n`);
  } else {
    printMany(rows, flags, io, {
      json: jsonRow,
      text: (row) => (row.outcome === "ready" ? readyLine(row) : ""),
    });
  }
  return Math.max(exitCodeOf(rows, ["ready"]), reportToCi("wait", rows, flags, io));
}

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
  flags: Flags,
  io: CliIo,
): Promise<ResultRow[]> {
  const table = io.stderrIsTTY
    ? new LiveTable(ids, io.stderr, {
        colour: useColour(true, io.env),
        columns: io.columns ?? 80,
      })
    : undefined;
  try {
    const rows = await waitForAll(limitedClient(api, CONCURRENCY), ids, options, {
      keepGoing: flags["keep-going"] ?? false,
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
 * The results of many: with `--json`, one object per deployment and the overall outcome; else
 * each deployment's text on stdout. Either way, each failure's message on stderr.
 */
function printMany(
  rows: readonly ResultRow[],
  flags: Flags,
  io: CliIo,
  format: { readonly json: (row: ResultRow) => object; readonly text: (row: ResultRow) => string },
): void {
  if (flags.json) {
    const result = {
      outcome: overallOutcome(rows),
      ready: rows.every((row) => row.outcome === "ready"),
      deployments: rows.map(format.json),
    };
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  }
  for (const row of rows) {
    if (!flags.json) io.stdout(format.text(row));
    if (row.error) io.stderr(`coreweave-inference: ${row.error.message}\n`);
    else if (row.outcome === "cancelled") {
      io.stderr(
        `coreweave-inference: ${sanitizeText(row.deploymentId, 100)}: not waited for to the end: ` +
          "another deployment failed for good (--keep-going waits for every one)\n",
      );
    }
  }
}

const readyLine = (row: ResultRow): string =>
  `${row.deploymentId} is ready (${sanitizeText(row.deployment?.status.status ?? "", 60)})\n`;

/**
 * GitHub's step summary and annotations when running there, and `--junit FILE`. Returns 3 if a
 * report that was asked for by flag could not be written, else 0.
 */
function reportToCi(command: string, rows: readonly ResultRow[], flags: Flags, io: CliIo): number {
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (summary) {
    try {
      appendFileSync(summary, stepSummary(command, rows));
    } catch (error) {
      io.stderr(
        `coreweave-inference: warning: could not append to GITHUB_STEP_SUMMARY: ${(error as Error).message}\n`,
      );
    }
  }
  if (io.env.GITHUB_ACTIONS === "true") io.stderr(annotations(command, rows));
  if (flags.junit === undefined) return EXIT.ok;
  try {
    writeFileSync(flags.junit, junitReport(command, rows));
    return EXIT.ok;
  } catch (error) {
    io.stderr(
      `coreweave-inference: could not write --junit ${JSON.stringify(sanitizeText(flags.junit, 200))}: ${(error as Error).message}\n`,
    );
    return EXIT.apiError;
  }
}
