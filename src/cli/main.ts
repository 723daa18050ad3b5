#!/usr/bin/env node
/**
 * `coreweave-inference`: the pipeline CLI (`npx coreweave-inference get|wait|lookups ...`).
 * Built on the same API client and readiness policy as the constructs. Results go to stdout
 * (JSON with `--json`), progress and errors to stderr. The token comes from
 * `COREWEAVE_API_TOKEN` only and is never printed.
 */
import { parseArgs } from "node:util";
import { MAX_TIMER_MS } from "../api/connection";
import { formatDuration, parseDuration } from "../api/duration";
import { CoreweaveError } from "../api/errors";
import { conditionTypeProblem, policyWarnings, statusNameProblem } from "../api/readiness";
import { sanitizeText } from "../api/text";
import {
  DEFAULT_POLL_INTERVAL_MS,
  type ResolvedWaitOptions,
  resolveWaitOptions,
} from "../api/wait";
import { type CliIo, EXIT, type Flags, OPTIONS, UsageError } from "./cli-io";
import { cliClient, get, targetsOf, wait } from "./deployment-commands";
import { lookupsCommand } from "./lookups";

const DEFAULT_TIMEOUT = "20m";
const DEFAULT_INTERVAL = "10s";

export const USAGE = `usage: coreweave-inference <command> [options]

commands:
  get <id>... [--stack DIR] [--json] [--junit FILE]
                                     print deployments (exit 0 whatever their status, 3 if unreadable)
  wait <id>... [--stack DIR] [--timeout 20m] [--interval 10s] [--accept STATUS]...
            [--condition TYPE]... [--allow-disabled] [--updated-after RFC3339] [--keep-going]
            [--json] [--junit FILE]
                                     wait until every deployment is ready
  lookups show [--json]              list the entries of coreweave-lookups.json
  lookups record <id>...             read deployments from the API into coreweave-lookups.json
  lookups reset (<id>... | --all)    remove entries from coreweave-lookups.json

options:
  --endpoint URL     API base URL (default: COREWEAVE_API_ENDPOINT, else https://api.coreweave.com)
  --stack DIR        also the deployments a synthesized stack looks up (cdktf.out/stacks/<name>)
  --json             machine-readable result on stdout (several deployments: one object each,
                     and the overall outcome)
  --junit FILE       write a JUnit XML report, one test case per deployment
  -h, --help         this text

wait:
  --timeout D        the whole wait, requests included (default ${DEFAULT_TIMEOUT}); durations: 500ms, 10s, 20m, 2h
  --interval D       time between polls (default ${DEFAULT_INTERVAL}); backs off after failed polls
  --accept STATUS    a status that counts as ready (repeatable; default STATUS_READY)
  --condition TYPE   a condition that must be True (repeatable; default: every condition)
  --allow-disabled   a disabled deployment may count as ready
  --updated-after T  READY counts only if reported at or after T (status.updatedAt, Ready condition)
  --keep-going       keep waiting for the others when one fails for good (default: stop at once)

environment: COREWEAVE_API_TOKEN (required for get, wait, lookups record), COREWEAVE_API_ENDPOINT,
  COREWEAVE_LOOKUP_FILE (default ./coreweave-lookups.json); GITHUB_STEP_SUMMARY (a Markdown
  table is appended), GITHUB_ACTIONS=true (::error annotations), NO_COLOR

exit codes: 0 ready/ok, 1 read but not ready at timeout, 2 usage error,
  3 API or configuration error (401, 403, 404... at once; unreachable or 5xx throughout, at timeout),
  4 terminal failure (STATUS_FAILED, STATUS_ERROR, or disabled);
  several deployments: 0 only if every one is ready, else the worst (4, then 3, then 1)`;

/** Runs one command line; resolves to the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let flags: Flags;
  let positionals: string[];
  try {
    ({ values: flags, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    // Node's first sentence names the flag; the rest is advice about `--` that rarely applies.
    return usage(io, (error as Error).message.split(". ")[0]);
  }
  const [command, ...rest] = positionals;
  if (flags.help || command === "help") {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (command === undefined) return usage(io, "missing command", { full: true });
  if (!COMMANDS.includes(command)) {
    return usage(io, `unknown command ${JSON.stringify(sanitizeText(command, 40))}`, {
      full: true,
    });
  }
  try {
    switch (command) {
      case "get":
        return await get(targetsOf("get", rest, flags), flags, io);
      case "wait": {
        // Resolved once, before the first request, so a bad policy is a usage error, not a wait.
        const options = waitOptions(flags);
        const targets = targetsOf("wait", rest, flags);
        for (const warning of policyWarnings(options.policy, "--accept")) {
          io.stderr(`coreweave-inference: warning: ${warning}\n`);
        }
        return await wait(targets, options, flags, io);
      }
      default:
        return await lookupsCommand(rest, flags, io, (env) => cliClient(flags, env));
    }
  } catch (error) {
    if (error instanceof UsageError) return usage(io, error.message);
    if (error instanceof CoreweaveError) {
      if (flags.json) io.stdout(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
      io.stderr(`coreweave-inference: ${error.message}\n`);
      return EXIT.apiError;
    }
    io.stderr(`coreweave-inference: unexpected failure: ${(error as Error).message}\n`);
    return EXIT.apiError;
  }
}

const COMMANDS: readonly string[] = ["get", "wait", "lookups"];

/**
 * A usage mistake: one line, exit 2. The full usage only where the user is lost (no command or
 * an unknown one); after a bad flag value it would bury the one line that matters.
 */
function usage(io: CliIo, message: string, { full = false } = {}): number {
  io.stderr(
    full
      ? `coreweave-inference: ${message}\n\n${USAGE}\n`
      : `coreweave-inference: ${message.replace(/\.$/, "")} (see coreweave-inference --help)\n`,
  );
  return EXIT.usage;
}

/**
 * The flags as resolved wait options. Each flag is checked here first, so that a mistake is a
 * usage error in the CLI's words (`--timeout`, `--accept`); resolving cannot fail after that.
 */
function waitOptions(flags: Flags): ResolvedWaitOptions {
  const duration = (flag: string, text: string): number => {
    const ms = parseDuration(text);
    const quoted = JSON.stringify(sanitizeText(text, 40));
    if (ms === undefined || ms === 0) {
      throw new UsageError(
        `--${flag} ${quoted} is not a duration: write e.g. 500ms, 10s, 20m or 2h`,
      );
    }
    if (ms > MAX_TIMER_MS) {
      throw new UsageError(
        `--${flag} ${quoted} is too long: the longest is ${formatDuration(MAX_TIMER_MS)}`,
      );
    }
    return ms;
  };
  const updatedAfter = flags["updated-after"];
  if (updatedAfter !== undefined && Number.isNaN(Date.parse(updatedAfter))) {
    throw new UsageError(
      `--updated-after ${JSON.stringify(sanitizeText(updatedAfter, 40))} is not an RFC 3339 time, e.g. 2026-01-31T12:00:00Z`,
    );
  }
  const listed = (
    flag: string,
    values: readonly string[] | undefined,
    check: typeof statusNameProblem,
  ) => {
    for (const value of values ?? []) {
      const problem = check(value);
      if (problem !== undefined) {
        throw new UsageError(`--${flag} ${JSON.stringify(sanitizeText(value, 60))} ${problem}`);
      }
    }
    return values;
  };
  return resolveWaitOptions({
    timeoutMs: duration("timeout", flags.timeout ?? DEFAULT_TIMEOUT),
    pollIntervalMs:
      flags.interval === undefined
        ? DEFAULT_POLL_INTERVAL_MS
        : duration("interval", flags.interval),
    acceptedStatuses: listed("accept", flags.accept, statusNameProblem),
    requiredConditions: listed("condition", flags.condition, conditionTypeProblem),
    allowDisabled: flags["allow-disabled"] ?? false,
    notBefore: updatedAfter,
  });
}

if (require.main === module) {
  runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    stderrIsTTY: process.stderr.isTTY,
    columns: process.stderr.columns,
  }).then((code) => {
    process.exitCode = code;
  });
}
