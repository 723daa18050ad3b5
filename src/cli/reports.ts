/**
 * What a run of many deployments looks like to people and to CI systems: the live table on a
 * terminal, the JSON result, GitHub's step summary and `::error` annotations, and a JUnit XML
 * report. Pure functions of the result rows. Text from the API is cleaned first
 * (`sanitizeText`), then escaped for the format it goes into.
 */
import type { Deployment } from "../api/deployment";
import { formatElapsed } from "../api/duration";
import type { ReadinessVerdict } from "../api/readiness";
import { sanitizeText } from "../api/text";
import type { ResultRow, RowOutcome } from "./fleet";

/** `--json` for one deployment: the whole output of a single-ID wait, one entry of many. */
export function jsonRow(row: ResultRow) {
  return {
    deploymentId: row.deploymentId,
    outcome: row.outcome,
    ready: row.outcome === "ready",
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

/** The first thing that keeps a deployment from being ready: a condition if one is unmet. */
export function firstBlocker(row: ResultRow): string {
  if (row.outcome === "ready") return "";
  if (row.outcome === "cancelled") return "not waited for: another deployment failed";
  return firstUnmet(row.verdict) ?? firstLine(row.error?.message ?? "");
}

function firstUnmet(verdict: ReadinessVerdict | undefined): string | undefined {
  const blockers = verdict?.blockers ?? [];
  return blockers.find((b) => /^(required )?condition /.test(b)) ?? blockers[0];
}

const firstLine = (text: string): string => text.split("\n")[0];

const WORDS: Readonly<Record<RowOutcome, string>> = {
  ready: "ready",
  not_ready: "not ready",
  timeout: "not ready at the timeout",
  terminal: "will not become ready",
  unreachable: "could not be read",
  error: "API error",
  cancelled: "cancelled",
};

/** A Markdown table cell: one line, no pipe or HTML that could change the table. */
function cell(text: string): string {
  return sanitizeText(text, 300)
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/** GitHub's step summary (`GITHUB_STEP_SUMMARY`): a heading and one table row per deployment. */
export function stepSummary(command: string, rows: readonly ResultRow[]): string {
  const ready = rows.filter((row) => row.outcome === "ready").length;
  const lines = [
    `### coreweave-inference ${command}: ${ready} of ${rows.length} ready`,
    "",
    "| deployment | status | ready | waited for | blockers |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map((row) =>
      [
        "",
        cell(row.deploymentId),
        cell(row.deployment?.status.status ?? "-"),
        row.outcome === "ready" ? "yes" : `no (${WORDS[row.outcome]})`,
        formatElapsed(row.elapsedMs),
        cell(
          row.outcome === "ready"
            ? ""
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

/**
 * GitHub Actions annotations: one `::error` per deployment that is not ready (`get`, which
 * succeeds whatever the status, warns instead for a deployment it read).
 */
export function annotations(command: string, rows: readonly ResultRow[]): string {
  return rows
    .filter((row) => row.outcome !== "ready")
    .map((row) => {
      const level = row.outcome === "not_ready" ? "warning" : "error";
      const title = `coreweave-inference ${command}: ${sanitizeText(row.deploymentId, 100)} ${WORDS[row.outcome]}`;
      const message =
        row.outcome === "not_ready" && row.verdict
          ? `not ready: ${row.verdict.blockers.join("; ")}`
          : (row.error?.message ?? firstBlocker(row));
      return `::${level} title=${commandProperty(title)}::${commandData(
        sanitizeText(message.replace(/\n\s*/g, " "), 2000),
      )}\n`;
    })
    .join("");
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
 * A JUnit XML report, one test case per deployment: ready passes; not ready, a timeout or a
 * terminal status fails; an API error is an error; a cancelled wait is skipped.
 */
export function junitReport(command: string, rows: readonly ResultRow[], now = new Date()): string {
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const count = (...outcomes: RowOutcome[]) =>
    rows.filter((row) => outcomes.includes(row.outcome)).length;
  const failures = count("not_ready", "timeout", "terminal");
  const errors = count("error", "unreachable");
  const skipped = count("cancelled");
  const time = seconds(Math.max(0, ...rows.map((row) => row.elapsedMs)));
  const suite = `coreweave-inference ${command}`;
  const cases = rows.map((row) => {
    const open = `    <testcase classname="coreweave-inference.${command}" name="${xml(row.deploymentId)}" time="${seconds(row.elapsedMs)}"`;
    if (row.outcome === "ready") return `${open}/>`;
    const message = xml(`${WORDS[row.outcome]}: ${firstBlocker(row)}`);
    const details = xml(
      row.error?.message ?? (row.verdict?.blockers ?? []).map((b) => `- ${b}`).join("\n"),
    );
    const kind =
      row.outcome === "cancelled"
        ? "skipped"
        : row.outcome === "error" || row.outcome === "unreachable"
          ? "error"
          : "failure";
    const element =
      kind === "skipped"
        ? `<skipped message="${message}"/>`
        : `<${kind} message="${message}" type="${row.outcome}">${details}</${kind}>`;
    return `${open}>\n      ${element}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${suite}" tests="${rows.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}">`,
    `  <testsuite name="${suite}" tests="${rows.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}" timestamp="${now.toISOString().slice(0, 19)}">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}

/** ANSI styles of the live table; none without colour. */
const STYLE: Readonly<Record<"green" | "red" | "yellow" | "dim", string>> = {
  green: "\x1b[32m",
  red: "\x1b[31m",
  yellow: "\x1b[33m",
  dim: "\x1b[2m",
};
const RESET = "\x1b[0m";

/** What the live table knows of one deployment. */
export interface LiveState {
  readonly deploymentId: string;
  readonly status?: string;
  readonly outcome?: RowOutcome;
  readonly ready?: boolean;
  readonly note: string;
  /** When its wait ended; running ones show the time since the wait began. */
  readonly endedMs?: number;
}

/**
 * The lines of the live table: one per deployment, with its status, the time since the wait
 * began, and its first unmet condition; each line cut to the terminal's width, so none wraps
 * and the next redraw overwrites exactly these lines.
 */
export function liveTableLines(
  states: readonly LiveState[],
  elapsedMs: number,
  { colour, columns }: { readonly colour: boolean; readonly columns: number },
): string[] {
  const idWidth = Math.min(40, Math.max(10, ...states.map((s) => s.deploymentId.length)));
  const statusWidth = 17;
  return states.map((state) => {
    const id = sanitizeText(state.deploymentId, idWidth).padEnd(idWidth);
    const status = sanitizeText(state.status ?? "…", statusWidth).padEnd(statusWidth);
    const when = formatElapsed(state.endedMs ?? elapsedMs).padStart(6);
    const note = sanitizeText(state.note, 200);
    const plain = `${id}  ${status}  ${when}  ${note}`.slice(0, Math.max(20, columns - 1));
    if (!colour) return plain;
    const style =
      state.outcome === "ready" || (state.outcome === undefined && state.ready)
        ? STYLE.green
        : state.outcome && state.outcome !== "timeout"
          ? STYLE.red
          : STYLE.yellow;
    const cut = Math.min(plain.length, idWidth + 2 + statusWidth);
    return `${style}${plain.slice(0, cut)}${RESET}${STYLE.dim}${plain.slice(cut)}${RESET}`;
  });
}

/** Colour only on a terminal, and never with `NO_COLOR` set to anything (no-color.org). */
export function useColour(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTTY && !env.NO_COLOR;
}

/**
 * The live table of a wait on a terminal: drawn on stderr, redrawn in place (cursor up, clear
 * line) on every change and every second, left on screen at the end.
 */
export class LiveTable {
  readonly #states: Map<string, LiveState>;
  readonly #write: (text: string) => void;
  readonly #options: { readonly colour: boolean; readonly columns: number };
  readonly #started = Date.now();
  readonly #timer: NodeJS.Timeout;
  #drawn = 0;

  constructor(
    ids: readonly string[],
    write: (text: string) => void,
    options: { readonly colour: boolean; readonly columns: number },
  ) {
    this.#states = new Map(ids.map((id) => [id, { deploymentId: id, note: "waiting" }]));
    this.#write = write;
    this.#options = options;
    this.#timer = setInterval(() => this.#draw(), 1000);
    this.#timer.unref();
    this.#draw();
  }

  /** A poll's answer or failure for one deployment. */
  update(
    deploymentId: string,
    update: {
      readonly observation?: {
        readonly deployment: Deployment;
        readonly verdict: ReadinessVerdict;
      };
      readonly error?: { readonly message: string };
    },
  ): void {
    const state = this.#states.get(deploymentId);
    if (!state) return;
    const { observation, error } = update;
    this.#states.set(
      deploymentId,
      observation
        ? {
            ...state,
            status: observation.deployment.status.status,
            ready: observation.verdict.ready,
            note: observation.verdict.ready ? "ready" : (firstUnmet(observation.verdict) ?? ""),
            // A ready one is not polled again: its time stops.
            endedMs: observation.verdict.ready ? Date.now() - this.#started : undefined,
          }
        : { ...state, note: `poll failed: ${firstLine(error?.message ?? "")}` },
    );
    this.#draw();
  }

  /** The final state of every deployment, drawn once more. */
  finish(rows: readonly ResultRow[]): void {
    for (const row of rows) {
      this.#states.set(row.deploymentId, {
        deploymentId: row.deploymentId,
        status: row.deployment?.status.status,
        outcome: row.outcome,
        note: row.outcome === "ready" ? "ready" : `${WORDS[row.outcome]}: ${firstBlocker(row)}`,
        endedMs: row.elapsedMs,
      });
    }
    this.#draw();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #draw(): void {
    const lines = liveTableLines(
      [...this.#states.values()],
      Date.now() - this.#started,
      this.#options,
    );
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : "";
    this.#write(`${up}${lines.map((line) => `\x1b[2K${line}\n`).join("")}`);
    this.#drawn = lines.length;
  }
}
