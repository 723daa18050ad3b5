/**
 * How `get` and `wait` hand a run's results over: the text or JSON of many deployments on stdout,
 * each failure on stderr, and CI's own results (GitHub's step summary and annotations when running
 * there, a JUnit report with `--junit FILE`). Report files are written whole or not at all.
 */
import { mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomically } from "../api/atomic-file";
import type { CoreweaveError } from "../api/errors";
import { sanitizeText } from "../api/text";
import { type CliIo, EXIT } from "./cli-io";
import { UsageError } from "./command-line";
import { cutShortByRun, notWaitedFor, type ResultRow, type Run, worstFirst } from "./fleet";
import { annotations, jsonRun, junitReport, stepSummary } from "./reports";

/**
 * The results of many: with `--json`, the overall outcome and one object per deployment; else
 * each deployment's text on stdout. Either way, each failure's message on stderr.
 */
export function printMany(
  run: Run,
  json: boolean,
  io: CliIo,
  format: { readonly json: (row: ResultRow) => object; readonly text: (row: ResultRow) => string },
): void {
  if (json) io.stdout(`${JSON.stringify(jsonRun(run, format.json), null, 2)}\n`);
  else for (const row of run.rows) io.stdout(format.text(row));
  for (const row of worstFirst(run.rows)) {
    if (row.error) io.stderr(`coreweave-inference: ${row.error.message}\n`);
  }
  const skipped = run.rows.filter(notWaitedFor);
  if (skipped.length > 0) {
    io.stderr(
      `coreweave-inference: not waited for to the end: ${skipped.map((row) => sanitizeText(row.deploymentId, 100)).join(", ")}: ` +
        "another deployment failed for good (--keep-going waits for every one)\n",
    );
  }
  if (run.cancelled) io.stderr(cancelledLine(run));
}

/** An error that ends a command: its message on stderr, and with `--json` its fields on stdout. */
export function printError(error: CoreweaveError, json: boolean, io: CliIo): void {
  if (json) io.stdout(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
  io.stderr(`coreweave-inference: ${error.message}\n`);
}

/** What a cancelled run says last, on stderr: why, and what was not ready yet. */
export function cancelledLine(run: Run): string {
  const open = run.rows.filter(cutShortByRun);
  const list = open.map((row) => sanitizeText(row.deploymentId, 100)).join(", ");
  return (
    `coreweave-inference: ${run.command} cancelled (${run.cancelled?.why}): ` +
    `${open.length === 0 ? "every deployment had ended" : `not ready yet: ${list}`}\n`
  );
}

/** `<id> is ready (STATUS_READY)`: what `wait` prints for each deployment that is ready. */
export function readyLine(row: ResultRow): string {
  return `${row.deploymentId} is ready (${sanitizeText(row.deployment?.status.status ?? "", 60)})\n`;
}

/**
 * Makes sure `--junit FILE` can be written before the first request: its folders are created, as
 * test runners' JUnit reporters do, and a file is created there and removed. A path that cannot
 * be written is a usage error, not a finding after a 20-minute wait.
 */
export function prepareReportPath(flag: string, path: string): void {
  const shown = JSON.stringify(sanitizeText(path, 200));
  const probe = `${path}.${process.pid}.probe`;
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      throw Object.assign(new Error("is a folder"), { code: "EISDIR" });
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomically(probe, "");
    rmSync(probe);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const why = (code && WRITE_FAILURES[code]) ?? code ?? message;
    throw new UsageError(
      `${flag} ${shown} cannot be written (${why}): pass a path in a writable folder`,
    );
  }
}

/** Why a report path cannot be written, in words, by Node's error code. */
const WRITE_FAILURES: Readonly<Record<string, string>> = {
  EEXIST: "a part of its folder path is a file",
  ENOTDIR: "a part of its folder path is a file",
  EISDIR: "it is a folder",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
};

/**
 * GitHub's step summary and annotations when running there, and `--junit FILE`. Returns 3 if a
 * report that was asked for by flag could not be written, else 0.
 */
export function reportToCi(run: Run, junit: string | undefined, io: CliIo): number {
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (summary) {
    try {
      // Appended, as GitHub asks, but through a rename: the runner never reads half a table.
      const before = readFileSync(summary, { encoding: "utf8", flag: "a+" });
      writeFileAtomically(summary, before + stepSummary(run));
    } catch (error) {
      io.stderr(
        `coreweave-inference: warning: could not append to GITHUB_STEP_SUMMARY: ${(error as Error).message}\n`,
      );
    }
  }
  if (io.env.GITHUB_ACTIONS === "true") io.stderr(annotations(run));
  if (junit === undefined) return EXIT.ok;
  try {
    writeFileAtomically(junit, junitReport(run));
    return EXIT.ok;
  } catch (error) {
    io.stderr(
      `coreweave-inference: could not write --junit ${JSON.stringify(sanitizeText(junit, 200))}: ${(error as Error).message}\n`,
    );
    return EXIT.apiError;
  }
}
