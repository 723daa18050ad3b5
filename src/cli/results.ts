/**
 * How `get` and `wait` hand a run's results over: the text or JSON of many deployments on stdout,
 * each failure on stderr, and CI's own results (GitHub's step summary and annotations when running
 * there, a JUnit report with `--junit FILE`).
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { sanitizeText } from "../api/text";
import { type CliIo, EXIT } from "./cli-io";
import { overallOutcome, type ResultRow } from "./fleet";
import { annotations, junitReport, stepSummary } from "./reports";

/**
 * The results of many: with `--json`, one object per deployment and the overall outcome; else
 * each deployment's text on stdout. Either way, each failure's message on stderr.
 */
export function printMany(
  rows: readonly ResultRow[],
  json: boolean,
  io: CliIo,
  format: { readonly json: (row: ResultRow) => object; readonly text: (row: ResultRow) => string },
): void {
  if (json) {
    const result = {
      outcome: overallOutcome(rows),
      ready: rows.every((row) => row.outcome === "ready"),
      deployments: rows.map(format.json),
    };
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  }
  for (const row of rows) {
    if (!json) io.stdout(format.text(row));
    if (row.error) io.stderr(`coreweave-inference: ${row.error.message}\n`);
    else if (row.outcome === "cancelled") {
      io.stderr(
        `coreweave-inference: ${sanitizeText(row.deploymentId, 100)}: not waited for to the end: ` +
          "another deployment failed for good (--keep-going waits for every one)\n",
      );
    }
  }
}

/** `<id> is ready (STATUS_READY)`: what `wait` prints for each deployment that is ready. */
export function readyLine(row: ResultRow): string {
  return `${row.deploymentId} is ready (${sanitizeText(row.deployment?.status.status ?? "", 60)})\n`;
}

/**
 * GitHub's step summary and annotations when running there, and `--junit FILE`. Returns 3 if a
 * report that was asked for by flag could not be written, else 0.
 */
export function reportToCi(
  command: string,
  rows: readonly ResultRow[],
  junit: string | undefined,
  io: CliIo,
): number {
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
  if (junit === undefined) return EXIT.ok;
  try {
    writeFileSync(junit, junitReport(command, rows));
    return EXIT.ok;
  } catch (error) {
    io.stderr(
      `coreweave-inference: could not write --junit ${JSON.stringify(sanitizeText(junit, 200))}: ${(error as Error).message}\n`,
    );
    return EXIT.apiError;
  }
}
