/** What every CLI command shares: exit codes, usage errors and where output goes. */

/** Exit codes, part of the CLI's interface: pipelines branch on them. */
export const EXIT = {
  /** Ready (`wait`), or read (`get`, `lookups`). */
  ok: 0,
  /** Still not ready when the timeout ran out. */
  notReady: 1,
  /** Bad command line. */
  usage: 2,
  /** The API or the configuration failed: 404, 401, no token, unreachable... */
  apiError: 3,
  /** `STATUS_FAILED`/`STATUS_ERROR`, or disabled: waiting will not help. */
  terminal: 4,
} as const;

/** A bad command line: exit code 2 with the usage text. */
export class UsageError extends Error {}

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}
