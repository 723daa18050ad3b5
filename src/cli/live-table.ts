/**
 * The live table of a `wait` for many deployments on a terminal: one line per deployment, redrawn
 * in place on every change and every second. It is never taller than the terminal (so a redraw
 * pushes nothing into the scrollback), and redraws to the new size when the terminal is resized.
 */
import type { Deployment } from "../api/deployment";
import { formatElapsed } from "../api/duration";
import type { ReadinessVerdict } from "../api/readiness";
import { sanitizeText } from "../api/text";
import type { ResultRow, RowOutcome } from "./fleet";
import { firstBlocker, firstLine, firstUnmet, wordsFor } from "./reports";

/** ANSI styles of the live table; none without colour. */
const STYLE: Readonly<Record<"green" | "red" | "yellow" | "dim", string>> = {
  green: "\x1b[32m",
  red: "\x1b[31m",
  yellow: "\x1b[33m",
  dim: "\x1b[2m",
};
const RESET = "\x1b[0m";
const HIDE_CURSOR = "\x1b[?25l";
/** Shows the cursor again: also what a process that ends mid-table must write. */
export const SHOW_CURSOR = "\x1b[?25h";

/** What the live table knows of one deployment. */
export interface LiveState {
  readonly deploymentId: string;
  readonly status?: string;
  readonly outcome?: RowOutcome;
  readonly ready?: boolean;
  readonly note: string;
  /** How the row's outcome reads (`not waited for`...), once it has one. */
  readonly words?: string;
  /** When its wait ended; running ones show the time since the wait began. */
  readonly endedMs?: number;
}

/** The terminal's size, in character cells. */
export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

const isReady = (state: LiveState) =>
  state.outcome === "ready" || (state.outcome === undefined && state.ready === true);

/** How a deployment counts in the line that stands for the ones not shown. */
function stateWord(state: LiveState): string {
  if (state.words !== undefined) return state.words;
  if (isReady(state)) return "ready";
  return state.status === undefined ? "not read yet" : "not ready";
}

/**
 * The lines of the live table: one per deployment, with its status, the time since the wait
 * began, and its first unmet condition, each cut to the terminal's width so none wraps. At most
 * one line fewer than the terminal has rows: with more deployments than that, the ones not ready
 * come first, and one last line counts the rest by state.
 */
export function liveTableLines(
  states: readonly LiveState[],
  elapsedMs: number,
  { colour, columns, rows }: { readonly colour: boolean } & TerminalSize,
): string[] {
  const room = Math.max(1, rows - 1);
  const fits = states.length <= room;
  const shown = fits
    ? states
    : [...states.filter((s) => !isReady(s)), ...states.filter(isReady)].slice(0, room - 1);
  const width = Math.max(20, columns - 1);
  const idWidth = Math.min(40, Math.max(10, ...shown.map((s) => s.deploymentId.length)));
  const statusWidth = 17;
  const lines = shown.map((state) => {
    const id = fitCells(sanitizeText(state.deploymentId, 200), idWidth, true);
    const status = fitCells(sanitizeText(state.status ?? "…", 200), statusWidth, true);
    const when = formatElapsed(state.endedMs ?? elapsedMs).padStart(6);
    const note = sanitizeText(state.note, 200);
    const plain = fitCells(`${id}  ${status}  ${when}  ${note}`, width);
    if (!colour) return plain;
    const style = isReady(state)
      ? STYLE.green
      : state.outcome && state.outcome !== "timeout"
        ? STYLE.red
        : STYLE.yellow;
    const cut = Math.min(plain.length, id.length + 2 + status.length);
    return `${style}${plain.slice(0, cut)}${RESET}${STYLE.dim}${plain.slice(cut)}${RESET}`;
  });
  if (fits) return lines;
  const hidden = states.filter((state) => !shown.includes(state));
  const counts = new Map<string, number>();
  for (const state of hidden) counts.set(stateWord(state), (counts.get(stateWord(state)) ?? 0) + 1);
  const counted = [...counts].map(([word, n]) => `${n} ${word}`).join(", ");
  const more = `… ${hidden.length} more${shown.length === 0 ? " deployments" : ""}: ${counted}`;
  return [...lines, fitCells(more, width)];
}

/**
 * Terminal cells a character takes: 2 for East Asian wide and fullwidth characters and most
 * emoji, 0 for combining marks, else 1. API text is any Unicode: a line measured in UTF-16 units
 * would wrap on a terminal, and every redraw would then climb one line short.
 */
export function cellsOf(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if ((code >= 0x0300 && code <= 0x036f) || (code >= 0xfe00 && code <= 0xfe0f)) return 0;
  const wide =
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd);
  return wide ? 2 : 1;
}

/** `text` cut to at most `cells` terminal cells; with `pad`, filled with spaces to exactly that. */
function fitCells(text: string, cells: number, pad = false): string {
  let out = "";
  let used = 0;
  for (const char of text) {
    const width = cellsOf(char);
    if (used + width > cells) break;
    out += char;
    used += width;
  }
  return pad ? out + " ".repeat(cells - used) : out;
}

/** Colour only on a terminal, and never with `NO_COLOR` set to anything (no-color.org). */
export function useColour(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTTY && !env.NO_COLOR;
}

/**
 * The live table, drawn on stderr with the cursor hidden, redrawn in place (cursor up, clear) on
 * every change and every second; `finish` draws the final frame and shows the cursor again.
 */
export class LiveTable {
  readonly #states: Map<string, LiveState>;
  readonly #write: (text: string) => void;
  readonly #colour: boolean;
  readonly #size: () => TerminalSize;
  readonly #started = Date.now();
  readonly #timer: NodeJS.Timeout;
  #drawn = 0;
  #stopped = false;

  constructor(
    ids: readonly string[],
    write: (text: string) => void,
    options: { readonly colour: boolean; readonly size: () => TerminalSize },
  ) {
    this.#states = new Map(ids.map((id) => [id, { deploymentId: id, note: "waiting" }]));
    this.#write = write;
    this.#colour = options.colour;
    this.#size = options.size;
    this.#timer = setInterval(() => this.#draw(), 1000);
    this.#timer.unref();
    this.#write(HIDE_CURSOR);
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

  /** The terminal changed size: the next frame fits the new one. */
  resize(): void {
    // Lines of the old frame above the new screen's top cannot be reached; the rest are cleared.
    this.#drawn = Math.min(this.#drawn, Math.max(0, this.#size().rows - 1));
    this.#draw();
  }

  /** The final state of every deployment, drawn once more; then the table stops. */
  finish(rows: readonly ResultRow[]): void {
    for (const row of rows) {
      this.#states.set(row.deploymentId, {
        deploymentId: row.deploymentId,
        status: row.deployment?.status.status,
        outcome: row.outcome,
        words: wordsFor(row),
        note: row.outcome === "ready" ? "ready" : `${wordsFor(row)}: ${firstBlocker(row)}`,
        endedMs: row.elapsedMs,
      });
    }
    this.#draw();
    this.stop();
  }

  /** Stops redrawing and shows the cursor again. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#write(SHOW_CURSOR);
  }

  #draw(): void {
    if (this.#stopped) return;
    const lines = liveTableLines([...this.#states.values()], Date.now() - this.#started, {
      colour: this.#colour,
      ...this.#size(),
    });
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : "";
    // Each line cleared, then the rest of the screen: a smaller frame leaves no old line behind.
    this.#write(`\r${up}${lines.map((line) => `\x1b[2K${line}\n`).join("")}\x1b[J`);
    this.#drawn = lines.length;
  }
}
