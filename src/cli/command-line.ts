/**
 * Command lines, for both of the package's programs (`coreweave-inference` and the emulator):
 * flags declared once with their usage text, parsed strictly, and every mistake a
 * {@link UsageError} of one line. Knows nothing of deployments or of either program.
 */
import { parseArgs } from "node:util";
import { formatDuration, parseDuration } from "../api/duration";
import { sanitizeText } from "../api/text";

/** A bad command line: the program prints its one line and exits 2. */
export class UsageError extends Error {}

/** One flag: how it parses and how usage shows it. */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  /** The flag may be given more than once; its value is then a list. */
  readonly multiple?: boolean;
  /** A one-letter alias, e.g. `h` for `-h`. */
  readonly short?: string;
  /** What the value is, in the synopsis: `--timeout D`. String flags only. */
  readonly placeholder?: string;
  /** One line of help. */
  readonly description: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The parsed value of a flag given, typed from its spec. */
type FlagValue<S extends FlagSpec> = S["type"] extends "boolean"
  ? boolean
  : S["type"] extends "string"
    ? S["multiple"] extends true
      ? string[]
      : string
    : string | boolean | string[];

/** The parsed value of each flag given. */
export type FlagValues<F extends FlagSpecs> = { readonly [K in keyof F]?: FlagValue<F[K]> };

/** `-h`/`--help`, which every command takes. */
export const HELP_FLAG = {
  help: { type: "boolean", short: "h", description: "this text" },
} as const satisfies FlagSpecs;

/**
 * Parses `args` against `flags`. `otherFlags` are the flags of the program's other commands: one
 * of them given here is named as such (`get does not take --timeout`), not as unknown.
 */
export function parseFlags<F extends FlagSpecs>(
  subject: string,
  flags: F,
  args: readonly string[],
  otherFlags: FlagSpecs = {},
): { readonly operands: string[]; readonly flags: FlagValues<F & typeof HELP_FLAG> } {
  const known: FlagSpecs = { ...otherFlags, ...flags, ...HELP_FLAG };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: attachNegativeValues(args, known),
      options: known,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    // Node's first sentence names the flag; the rest is advice about `--` that rarely applies.
    throw new UsageError((error as Error).message.split(/\.(\s|$)/)[0]);
  }
  for (const token of parsed.tokens ?? []) {
    if (token.kind === "option" && !Object.hasOwn(flags, token.name) && token.name !== "help") {
      throw new UsageError(`${subject} does not take ${token.rawName}`);
    }
  }
  return { operands: parsed.positionals, flags: parsed.values as FlagValues<F & typeof HELP_FLAG> };
}

/**
 * `--latency-ms -5` as `--latency-ms=-5`: Node reads a value that starts with a dash as a
 * missing value ("ambiguous"). A negative number is a value, which its own check then refuses
 * in the flag's words.
 */
function attachNegativeValues(args: readonly string[], flags: FlagSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = /^--([^=]+)$/.exec(args[i])?.[1];
    const next = args[i + 1];
    if (name && flags[name]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else {
      out.push(args[i]);
    }
  }
  return out;
}

/** `--timeout D`, `--accept STATUS...`, `--json`: how a flag reads in a synopsis. */
export function flagSynopsis(name: string, flag: FlagSpec): string {
  const value = flag.type === "string" ? ` ${flag.placeholder ?? "VALUE"}` : "";
  return `--${name}${value}${flag.multiple ? "..." : ""}`;
}

/** The lines that describe each flag: `  --timeout D   the whole wait...`, aligned. */
export function flagLines(flags: FlagSpecs, width = 21): string[] {
  return Object.entries(flags).map(([name, flag]) => {
    const synopsis = `${flag.short ? `-${flag.short}, ` : ""}${flagSynopsis(name, flag)}`;
    return `  ${synopsis.padEnd(width)}${synopsis.length >= width ? " " : ""}${flag.description}`;
  });
}

/**
 * A duration flag's value in milliseconds: `500ms`, `10s`, `20m`, `2h`, `1h30m`. A mistake is
 * one line in the flag's words: not a duration, not above zero, or longer than `max`.
 */
export function durationFlag(flag: string, text: string, max: number): number {
  const quoted = JSON.stringify(sanitizeText(text, 40));
  if (/^\s*-/.test(text)) {
    throw new UsageError(`--${flag} ${quoted} is negative: the duration must be above zero`);
  }
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new UsageError(`--${flag} ${quoted} is not a duration: write e.g. 500ms, 10s, 20m or 2h`);
  }
  if (ms === 0) throw new UsageError(`--${flag} ${quoted}: the duration must be above zero`);
  if (ms > max) {
    throw new UsageError(`--${flag} ${quoted} is too long: the longest is ${formatDuration(max)}`);
  }
  return ms;
}
