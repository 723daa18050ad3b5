/**
 * What a run of `get` or `wait` looks like to people and to CI systems: the JSON result, GitHub's
 * step summary and workflow-command annotations, and a JUnit XML report. Pure functions of the
 * run. Text from the API is cleaned first (`sanitizeText`), then escaped for the format it goes
 * into. What decided the outcome comes first everywhere.
 */
import { formatElapsed } from "../api/duration";
import type { ReadinessVerdict } from "../api/readiness";
import { sanitizeText } from "../api/text";
import {
  cutShortByRun,
  notWaitedFor,
  overallOutcome,
  type ResultRow,
  type Run,
  type RowOutcome,
  worstFirst,
} from "./fleet";

/** `--json` for one deployment: the whole output of a single-ID wait, one entry of many. */
export function jsonRow(row: ResultRow) {
  return {
    deploymentId: row.deploymentId,
    outcome: row.outcome,
    ready: row.outcome === "ready",
    ...(row.cancelledBy !== undefined && { cancelledBy: row.cancelledBy }),
    elapsedMs: row.elapsedMs,
    polls: row.polls,
    status: row.deployment?.status.status,
    blockers: row.verdict?.blockers ?? [],
    ...(row.verdict?.terminal !== undefined && { terminal: row.verdict.terminal }),
    ...(row.outcome === "error" && row.error && { error: row.error.toJSON() }),
    ...(row.lastError && { lastError: row.lastError.toJSON() }),
    deployment: row.deployment,
  };
}

/** `--json` of many deployments: the overall outcome, then one object per deployment. */
export function jsonRun(run: Run, row: (row: ResultRow) => object) {
  return {
    outcome: overallOutcome(run),
    ready: !run.cancelled && run.rows.every((r) => r.outcome === "ready"),
    ...(run.cancelled && { cancelled: run.cancelled.why }),
    deployments: run.rows.map(row),
  };
}

/** The first thing that keeps a deployment from being ready: a condition if one is unmet. */
export function firstBlocker(row: ResultRow): string {
  if (row.outcome === "ready") return "";
  if (notWaitedFor(row)) return "not waited for: another deployment failed";
  if (row.outcome === "cancelled") return cancelledNote(row);
  return firstUnmet(row.verdict) ?? firstLine(row.error?.message ?? "");
}

/** A deployment whose wait a cancelled run ended: how far it got. */
function cancelledNote(row: ResultRow): string {
  const status = row.deployment ? sanitizeText(row.deployment.status.status, 60) : undefined;
  return status === undefined
    ? "the run was cancelled before it was read"
    : `the run was cancelled; last status ${status}`;
}

export function firstUnmet(verdict: ReadinessVerdict | undefined): string | undefined {
  const blockers = verdict?.blockers ?? [];
  return blockers.find((b) => /^(required )?condition /.test(b)) ?? blockers[0];
}

export const firstLine = (text: string): string => text.split("\n")[0];

/** Each outcome in a few words; a cancelled row reads by why it was (see {@link wordsFor}). */
const WORDS: Readonly<Record<RowOutcome, string>> = {
  ready: "ready",
  not_ready: "not ready",
  timeout: "not ready at the timeout",
  terminal: "will not become ready",
  unreachable: "could not be read",
  error: "API error",
  cancelled: "cancelled",
};

export function wordsFor(row: ResultRow): string {
  return notWaitedFor(row) ? "not waited for" : WORDS[row.outcome];
}

/**
 * A Markdown table cell: one line, no pipe or HTML that could change the table, and no link,
 * image or code span of the API's making.
 */
function cell(text: string): string {
  return sanitizeText(text, 300)
    .replace(/\\/g, "\\\\")
    .replace(/[|[\]`]/g, (char) => `\\${char}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/**
 * The verdict at a glance: `✅ 3 of 3 ready`, `❌ 1 will not become ready, 12 not waited for,
 * 1 ready`, or `⏹️ cancelled (SIGTERM): 1 ready, 1 cancelled`. Counts go worst first.
 */
export function headline(run: Run): string {
  const { rows } = run;
  const ready = rows.filter((row) => row.outcome === "ready").length;
  const counts = new Map<string, number>();
  for (const row of worstFirst(rows)) {
    counts.set(wordsFor(row), (counts.get(wordsFor(row)) ?? 0) + 1);
  }
  const counted = [...counts].map(([words, n]) => `${n} ${words}`).join(", ");
  if (run.cancelled) return `⏹️ cancelled (${sanitizeText(run.cancelled.why, 100)}): ${counted}`;
  if (ready === rows.length) return `✅ ${ready} of ${rows.length} ready`;
  return `❌ ${counted}`;
}

/**
 * GitHub's step summary (`GITHUB_STEP_SUMMARY`): the verdict, then one table row per
 * deployment, worst first. A deployment fail-fast did not wait for is one short row.
 */
export function stepSummary(run: Run): string {
  const lines = [
    `### coreweave-inference ${run.command}: ${headline(run)}`,
    "",
    "| deployment | status | ready | waited for | blockers |",
    "| --- | --- | --- | --- | --- |",
    ...worstFirst(run.rows).map((row) =>
      [
        "",
        cell(row.deploymentId),
        cell(row.deployment?.status.status ?? "-"),
        row.outcome === "ready" ? "yes" : `no (${wordsFor(row)})`,
        formatElapsed(row.elapsedMs),
        cell(
          row.outcome === "ready"
            ? ""
            : row.outcome === "cancelled"
              ? firstBlocker(row)
              : (row.verdict?.blockers.join("; ") ?? firstLine(row.error?.message ?? "")),
        ),
        "",
      ]
        .join(" | ")
        .trim(),
    ),
  ];
  return `${lines.join("\n")}\n\n`;
}

/** A workflow command's data: `%`, CR and LF escaped, so API text cannot end the command. */
function commandData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** A workflow command's property value: also `:` and `,`, which end a property. */
function commandProperty(text: string): string {
  return commandData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function workflowCommand(level: string, title: string, message: string): string {
  return `::${level} title=${commandProperty(title)}::${commandData(
    sanitizeText(message.replace(/\n\s*/g, " "), 2000),
  )}\n`;
}

/**
 * GitHub Actions annotations, the cause first: one `::error` per deployment that failed, timed
 * out or could not be read, worst first (GitHub shows only the first 10 of a step). `get`, which
 * succeeds whatever the status, warns for a deployment it read that is not ready. Deployments
 * fail-fast did not wait for get one `::notice` that counts them; a cancelled run one `::warning`.
 */
export function annotations(run: Run): string {
  const { command } = run;
  const out: string[] = [];
  for (const row of worstFirst(run.rows)) {
    if (row.outcome === "ready" || row.outcome === "cancelled") continue;
    const level = row.outcome === "not_ready" ? "warning" : "error";
    const title = `coreweave-inference ${command}: ${sanitizeText(row.deploymentId, 100)} ${wordsFor(row)}`;
    const message =
      row.outcome === "not_ready" && row.verdict
        ? `not ready: ${row.verdict.blockers.join("; ")}`
        : (row.error?.message ?? firstBlocker(row));
    out.push(workflowCommand(level, title, message));
  }
  const skipped = run.rows.filter(notWaitedFor);
  if (skipped.length > 0) {
    out.push(
      workflowCommand(
        "notice",
        `coreweave-inference ${command}: ${skipped.length} not waited for`,
        `${skipped.length} deployment${skipped.length === 1 ? " was" : "s were"} not waited for ` +
          "to the end: another deployment failed for good (--keep-going waits for every one).",
      ),
    );
  }
  if (run.cancelled) {
    const open = run.rows.filter(cutShortByRun);
    out.push(
      workflowCommand(
        "warning",
        `coreweave-inference ${command}: cancelled`,
        `The run was cancelled (${run.cancelled.why}) with ${open.length} deployment` +
          `${open.length === 1 ? "" : "s"} not ready yet` +
          (open.length > 0
            ? `: ${open.map((row) => `${sanitizeText(row.deploymentId, 100)} (${cancelledNote(row)})`).join(", ")}.`
            : "."),
      ),
    );
  }
  return out.join("");
}

/** XML text of several lines: each line cleaned and escaped, the line breaks kept. */
function xmlLines(text: string): string {
  return text.split("\n").map(xml).join("\n");
}

/** XML text or attribute value. Control characters are gone already (`sanitizeText`). */
function xml(text: string): string {
  return sanitizeText(text, 4000)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/**
 * A JUnit XML report, one test case per deployment, worst first, in the shape of the strictest
 * common schema (Jenkins xUnit's junit-10.xsd): ready passes; not ready, a timeout, a terminal
 * status, or a wait a cancelled run ended fails; an API error is an error; a deployment fail-fast
 * did not wait for is skipped.
 */
export function junitReport(run: Run, now = new Date()): string {
  const { command, rows } = run;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const kindOf = (row: ResultRow): "failure" | "error" | "skipped" | undefined =>
    row.outcome === "ready"
      ? undefined
      : notWaitedFor(row)
        ? "skipped"
        : row.outcome === "error" || row.outcome === "unreachable"
          ? "error"
          : "failure";
  const count = (kind: ReturnType<typeof kindOf>) => rows.filter((r) => kindOf(r) === kind).length;
  const totals =
    `tests="${rows.length}" failures="${count("failure")}" errors="${count("error")}"` +
    ` time="${seconds(Math.max(0, ...rows.map((row) => row.elapsedMs)))}"`;
  const suite = `coreweave-inference ${command}`;
  const cases = worstFirst(rows).map((row) => {
    const open = `    <testcase classname="coreweave-inference.${command}" name="${xml(row.deploymentId)}" time="${seconds(row.elapsedMs)}"`;
    const kind = kindOf(row);
    if (kind === undefined) return `${open}/>`;
    if (kind === "skipped") {
      return `${open}>\n      <skipped message="${xml(firstBlocker(row))}"/>\n    </testcase>`;
    }
    const message = xml(`${wordsFor(row)}: ${firstBlocker(row)}`);
    const details = xmlLines(
      row.outcome === "cancelled"
        ? `The run was cancelled (${run.cancelled?.why ?? "cancelled"}) before ${row.deploymentId} was ready.`
        : (row.error?.message ?? (row.verdict?.blockers ?? []).map((b) => `- ${b}`).join("\n")),
    );
    return `${open}>\n      <${kind} message="${message}" type="${row.outcome}">${details}</${kind}>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${suite}" ${totals}>`,
    `  <testsuite name="${suite}" ${totals} skipped="${count("skipped")}" timestamp="${now.toISOString().slice(0, 19)}">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
