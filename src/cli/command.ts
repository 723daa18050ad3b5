/**
 * What a command of `coreweave-inference` is: one module in `commands/` that declares its name,
 * operands, flags and summary, and runs. `main.ts` finds every module there and builds the
 * usage text and the dispatch from their declarations, so a new command is one new file.
 */
import type { CliIo } from "./cli-io";
import type { FlagSpecs, FlagValues } from "./command-line";

export interface Command<F extends FlagSpecs = FlagSpecs> {
  /** One word, or a group and a word: `get`, `lookups show`. */
  readonly name: string;
  /** The operands in the synopsis, e.g. `<id>...`; empty for none. */
  readonly operands: string;
  /** What it does, in one line of usage. */
  readonly summary: string;
  readonly flags: F;
  /**
   * On cancellation (`CliIo.cancel`), the command stops and reports what it knows, and its run
   * resolves. A command without this ends at once, as if by the signal.
   */
  readonly reportsWhenCancelled?: boolean;
  /** Runs the command; resolves to the exit code. Throws `UsageError` for a bad command line. */
  run(
    input: { readonly operands: readonly string[]; readonly flags: FlagValues<F> },
    io: CliIo,
  ): Promise<number>;
}

/** Declares a command, typing `run`'s flags from its declaration. */
export function defineCommand<F extends FlagSpecs>(command: Command<F>): Command<F> {
  return command;
}
