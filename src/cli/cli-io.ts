/** What every command of `coreweave-inference` shares: exit codes, and where output goes. */

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

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal: a wait for many deployments then draws a live table. */
  readonly stderrIsTTY?: boolean;
  /** The terminal's width, so no table line wraps. */
  readonly columns?: number;
  /** The terminal's height, so the live table never scrolls. */
  readonly rows?: number;
  /** Calls `listener` when the terminal is resized; returns what stops that. */
  readonly onResize?: (listener: () => void) => () => void;
  /**
   * Aborted when the run is cancelled (SIGINT, SIGTERM, or the parent process gone), with a
   * `Cancellation` as its reason: `get` and `wait` then stop and report what they know.
   */
  readonly cancel?: AbortSignal;
}
