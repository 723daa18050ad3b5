/**
 * The zod schema of an answer, loaded on first need. zod costs about 50 ms to load: a synth that
 * replays unchanged entries, the CLI's commands that send no request, and an answer that is not
 * a 2xx never pay it.
 */
let loaded: typeof import("./schema") | undefined;

export function schema(): typeof import("./schema") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require("./schema") as typeof import("./schema");
  return loaded;
}
