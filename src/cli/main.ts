#!/usr/bin/env node
/**
 * `coreweave-inference`: the pipeline CLI (`npx coreweave-inference get|wait|lookups ...`).
 * Built on the same API client and readiness policy as the constructs. Results go to stdout
 * (JSON with `--json`), progress and errors to stderr. The token comes from
 * `COREWEAVE_API_TOKEN` only and is never printed.
 *
 * Each command is a module of `commands/`, found here by listing that folder: the usage text and
 * the dispatch are built from what the modules declare.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ENDPOINT_ENV, TOKEN_ENV } from "../api/connection";
import {
  keepHttpParserOnBaselineCompiler,
  PACKAGE_VERSION,
} from "../api/coreweave-inference-client";
import { CoreweaveError } from "../api/errors";
import { sanitizeText } from "../api/text";
import { LOOKUP_FILE_ENV, LOOKUP_FILE_NAME } from "../lookup/deployment-source";
import { watchLaunchers } from "./launcher-watch";
import { type CliIo, EXIT } from "./cli-io";
import type { Command } from "./command";
import { type Cancellation, cancelledExitCode } from "./fleet";
import { SHOW_CURSOR } from "./live-table";
import { printError } from "./results";
import {
  flagLines,
  flagSynopsis,
  type FlagSpecs,
  type FlagValues,
  HELP_FLAG,
  parseFlags,
  UsageError,
} from "./command-line";

const PROGRAM = "coreweave-inference";

/** Every command: one module per file of `commands/`, each exporting `command`. */
export const COMMANDS: readonly Command[] = readdirSync(join(__dirname, "commands"))
  .filter((file) => /\.(js|ts)$/.test(file) && !file.endsWith(".d.ts"))
  .map((file) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(join(__dirname, "commands", file)) as { command: Command }).command;
  })
  .sort((a, b) => (a.name < b.name ? -1 : 1));

/** Every flag any command takes, once each, in the order of the commands that take them. */
const ALL_FLAGS: FlagSpecs = Object.assign({}, ...COMMANDS.map((command) => command.flags));

/** `wait <id>... [--stack DIR] [--json] ...`, wrapped under the command at 100 columns. */
function synopsis(command: Command): string {
  const words = [command.name, command.operands].filter(Boolean).join(" ");
  const flags = Object.entries(command.flags).map(
    ([name, flag]) => `[${flagSynopsis(name, flag)}]`,
  );
  const lines = [`  ${words}`];
  for (const flag of flags) {
    const last = lines.length - 1;
    if (lines[last].length + flag.length + 1 > 100) lines.push(`        ${flag}`);
    else lines[last] += ` ${flag}`;
  }
  return [...lines, `      ${command.summary}`].join("\n");
}

export const USAGE = `usage: ${PROGRAM} <command> [options]

commands:
${COMMANDS.map(synopsis).join("\n")}

options:
${flagLines({ ...ALL_FLAGS, ...HELP_FLAG }).join("\n")}
  --version            this program's version

environment: ${TOKEN_ENV} (required for get, wait, lookups record), ${ENDPOINT_ENV},
  ${LOOKUP_FILE_ENV} (default ./${LOOKUP_FILE_NAME}); GITHUB_STEP_SUMMARY (a Markdown
  table is appended), GITHUB_ACTIONS=true (::error annotations), NO_COLOR

exit codes: 0 ready/ok, 1 read but not ready at timeout, 2 usage error,
  3 API or configuration error (401, 403, 404... at once; unreachable or 5xx throughout, at timeout),
  4 terminal failure (STATUS_FAILED, STATUS_ERROR, or disabled),
  130/143 cancelled by SIGINT/SIGTERM or a parent process gone (get and wait report first);
  several deployments: 0 only if every one is ready, else the worst (4, then 3, then 1)`;

/** One command's usage: its synopsis and its flags. */
function commandUsage(command: Command): string {
  return `usage: ${PROGRAM} ${synopsis(command).trimStart()}\n\n${flagLines({ ...command.flags, ...HELP_FLAG }).join("\n")}`;
}

/**
 * The command `argv` names, and every other argument. Flags may come before the command's
 * name (`--json get dep-1`), so the name is the first words that are neither a flag nor a
 * flag's value.
 */
function findCommand(argv: readonly string[]): { command: Command | undefined; args: string[] } {
  const words: number[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const flag = /^--?([^=]+)$/.exec(argv[i])?.[1];
    if (argv[i] === "--") break;
    if (flag !== undefined) {
      if (ALL_FLAGS[flag]?.type === "string") i++;
    } else if (!argv[i].startsWith("-")) {
      words.push(i);
    }
  }
  const [first, second] = words.map((i) => argv[i]);
  const without = (...skip: number[]) => argv.filter((_, i) => !skip.includes(i));
  if (first === undefined) return { command: undefined, args: [...argv] };
  const grouped = COMMANDS.filter((command) => command.name.startsWith(`${first} `));
  if (grouped.length > 0) {
    const command = grouped.find((c) => c.name === `${first} ${second}`);
    if (command) return { command, args: without(words[0], words[1]) };
    const actions = grouped.map((c) => c.name.slice(first.length + 1));
    throw new UsageError(
      `${first} takes ${actions.slice(0, -1).join(", ")} or ${actions[actions.length - 1]}`,
    );
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) throw new LostError(`unknown command ${JSON.stringify(sanitizeText(first, 40))}`);
  return { command, args: without(words[0]) };
}

/** A usage mistake after which the whole usage helps: no command, or an unknown one. */
class LostError extends UsageError {}

/** What a command line asks for: a command to run, or a text to print (usage, version). */
export type Invocation =
  | {
      readonly command: Command;
      readonly operands: readonly string[];
      readonly flags: FlagValues<FlagSpecs>;
    }
  | { readonly print: string };

/**
 * Reads a command line: which command, its operands and its flags, or the help asked for.
 * Throws `UsageError` for a mistake; checks operands' meaning no further (each command does).
 */
export function parseCommandLine(argv: readonly string[]): Invocation {
  if (argv.length === 1 && argv[0] === "help") return { print: USAGE };
  if (argv.length === 1 && argv[0] === "--version") return { print: PACKAGE_VERSION };
  const { command, args } = findCommand(argv);
  if (command === undefined) {
    // Parsed first, so that a bad flag is named even with no command.
    const { flags } = parseFlags(PROGRAM, ALL_FLAGS, args);
    if (!flags.help) throw new LostError("missing command");
    return { print: USAGE };
  }
  const { operands, flags } = parseFlags(command.name, command.flags, args, ALL_FLAGS);
  if (flags.help) return { print: commandUsage(command) };
  return { command, operands, flags };
}

/** Runs one command line; resolves to the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let json = false;
  try {
    const invocation = parseCommandLine(argv);
    if ("print" in invocation) {
      io.stdout(`${invocation.print}\n`);
      return EXIT.ok;
    }
    const { command, operands, flags } = invocation;
    json = flags.json === true;
    const running = command.run({ operands, flags }, io);
    const { cancel } = io;
    if (command.reportsWhenCancelled || cancel === undefined) return await running;
    // Nothing to report: a cancelled run ends now, as the signal would have ended it.
    running.catch(() => undefined);
    return await Promise.race([running, cancelled(cancel)]);
  } catch (error) {
    if (error instanceof UsageError) return usage(io, error);
    if (error instanceof CoreweaveError) {
      printError(error, json, io);
      return EXIT.apiError;
    }
    io.stderr(`${PROGRAM}: unexpected failure: ${(error as Error).message}\n`);
    return EXIT.apiError;
  }
}

/** Resolves to the exit code of the cancellation, once `cancel` is aborted. */
function cancelled(cancel: AbortSignal): Promise<number> {
  return new Promise((resolve) => {
    const end = () => resolve(cancelledExitCode(cancel.reason as Cancellation));
    if (cancel.aborted) end();
    else cancel.addEventListener("abort", end, { once: true });
  });
}

/**
 * A usage mistake: one line, exit 2. The full usage only where the user is lost (no command or
 * an unknown one); after a bad flag value it would bury the one line that matters.
 */
function usage(io: CliIo, error: UsageError): number {
  const message = error.message.replace(/\.$/, "");
  io.stderr(
    error instanceof LostError
      ? `${PROGRAM}: ${message}\n\n${USAGE}\n`
      : `${PROGRAM}: ${message} (see ${PROGRAM} --help)\n`,
  );
  return EXIT.usage;
}

/**
 * The process around a command line: SIGINT, SIGTERM and the parent process going away cancel
 * the run (a CI runner cancels a job by signalling the step's shell, which leaves this process
 * orphaned, and `npx` passes no signal on); a second signal ends the process at once.
 */
function main(): void {
  keepHttpParserOnBaselineCompiler();
  const cancellation = new AbortController();
  let stopWatching = (): void => undefined;
  const cancel = (reason: Cancellation) => {
    // The parents die of the same Ctrl-C or group signal: once cancelled, nobody is left to
    // watch for, and only a second signal (not a parent's death) ends the process at once.
    stopWatching();
    cancellation.abort(reason);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (!cancellation.signal.aborted) return cancel({ signal, why: signal });
      if (process.stderr.isTTY) process.stderr.write(SHOW_CURSOR);
      process.exit(cancelledExitCode({ signal, why: signal }));
    });
  }
  stopWatching = watchLaunchers(
    ({ pid, command }) => {
      const name = command ? ` (${sanitizeText(command, 60)})` : "";
      cancel({ signal: "SIGTERM", why: `its parent process ${pid}${name} is gone` });
    },
    { pastNpm: true },
  );
  // With the parent gone, nobody may read our output any more: that must not end the run.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
  const { stderr } = process;
  runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => stderr.write(text),
    env: process.env,
    stderrIsTTY: stderr.isTTY,
    get columns() {
      return stderr.columns;
    },
    get rows() {
      return stderr.rows;
    },
    onResize: (listener) => {
      stderr.on("resize", listener);
      return () => stderr.off("resize", listener);
    },
    cancel: cancellation.signal,
  }).then((code) => {
    stopWatching();
    // A cancelled run has said all it will; nothing it left running may delay the exit.
    if (cancellation.signal.aborted) process.exit(code);
    process.exitCode = code;
  });
}

if (require.main === module) main();
