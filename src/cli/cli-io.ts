/** What every CLI command shares: exit codes, flags, usage errors and where output goes. */
import type { parseArgs } from "node:util";

/** Exit codes, part of the CLI's interface: pipelines branch on them. */
export const EXIT = {
  /** Ready (`wait`), or read (`get`, `lookups`): every deployment named. */
  ok: 0,
  /** Read, and still not ready when the timeout ran out. */
  notReady: 1,
  /** Bad command line. */
  usage: 2,
  /** The API or the configuration failed: 404, 401, no token, unreachable... */
  apiError: 3,
  /** `STATUS_FAILED`/`STATUS_ERROR`, or disabled: waiting will not help. */
  terminal: 4,
} as const;

/** The flags of every command, as `parseArgs` reads them. */
export const OPTIONS = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  endpoint: { type: "string" },
  stack: { type: "string" },
  junit: { type: "string" },
  timeout: { type: "string" },
  interval: { type: "string" },
  accept: { type: "string", multiple: true },
  condition: { type: "string", multiple: true },
  "allow-disabled": { type: "boolean" },
  "updated-after": { type: "string" },
  "keep-going": { type: "boolean" },
  all: { type: "boolean" },
} as const;

export type Flags = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>["values"];

/** A bad command line: exit code 2 with one line. */
export class UsageError extends Error {}

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal: a wait for many deployments then draws a live table. */
  readonly stderrIsTTY?: boolean;
  /** The terminal's width, so no table line wraps. */
  readonly columns?: number;
}
