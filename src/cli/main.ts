#!/usr/bin/env node
/**
 * `coreweave-inference`: the pipeline CLI (`npx coreweave-inference get|wait|lookups ...`).
 * Built on the same API client and readiness policy as the constructs. Results go to stdout
 * (JSON with `--json`), progress and errors to stderr. The token comes from
 * `COREWEAVE_API_TOKEN` only and is never printed.
 */
import { parseArgs } from "node:util";
import { CoreweaveInferenceClient } from "../api/client";
import { parseDuration } from "../api/duration";
import { ConfigurationError, CoreweaveError } from "../api/errors";
import { evaluateReadiness, policyWarnings, resolveReadinessPolicy } from "../api/readiness";
import { sanitizeText } from "../api/text";
import {
  DEFAULT_POLL_INTERVAL_MS,
  waitForReady,
  type WaitOptions,
  type WaitOutcome,
  waitOutcomeError,
} from "../api/wait";
import { type CliIo, EXIT, UsageError } from "./cli-io";
import { lookupsCommand } from "./lookups";
import { renderDeployment } from "./render";

const DEFAULT_TIMEOUT = "20m";
const DEFAULT_INTERVAL = "10s";

export const USAGE = `usage: coreweave-inference <command> [options]

commands:
  get <id> [--json]                  print a deployment (exit 0 whatever its status, 3 if unreadable)
  wait <id> [--timeout 20m] [--interval 10s] [--accept STATUS]... [--condition TYPE]...
            [--allow-disabled] [--updated-after RFC3339] [--json]
                                     wait until the deployment is ready
  lookups show [--json]              list the entries of coreweave-lookups.json
  lookups record <id>...             read deployments from the API into coreweave-lookups.json
  lookups reset (<id>... | --all)    remove entries from coreweave-lookups.json

options:
  --endpoint URL     API base URL (default: COREWEAVE_API_ENDPOINT, else https://api.coreweave.com)
  --json             machine-readable result on stdout
  -h, --help         this text

wait:
  --timeout D        the whole wait, requests included (default ${DEFAULT_TIMEOUT}); durations: 500ms, 10s, 20m, 2h
  --interval D       time between polls (default ${DEFAULT_INTERVAL}); backs off after failed polls
  --accept STATUS    a status that counts as ready (repeatable; default STATUS_READY)
  --condition TYPE   a condition that must be True (repeatable; default: every condition)
  --allow-disabled   a disabled deployment may count as ready
  --updated-after T  READY counts only if reported at or after T (status.updatedAt, Ready condition)

environment: COREWEAVE_API_TOKEN (required for get, wait, lookups record), COREWEAVE_API_ENDPOINT,
  COREWEAVE_LOOKUP_FILE (default ./coreweave-lookups.json)

exit codes: 0 ready/ok, 1 not ready at timeout, 2 usage error, 3 API or configuration error,
  4 terminal failure (STATUS_FAILED, STATUS_ERROR, or disabled)`;

const OPTIONS = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  endpoint: { type: "string" },
  timeout: { type: "string" },
  interval: { type: "string" },
  accept: { type: "string", multiple: true },
  condition: { type: "string", multiple: true },
  "allow-disabled": { type: "boolean" },
  "updated-after": { type: "string" },
  all: { type: "boolean" },
} as const;

type Flags = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>["values"];

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
    return usage(io, (error as Error).message);
  }
  const [command, ...rest] = positionals;
  if (flags.help || command === "help") {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  try {
    switch (command) {
      case "get":
        return await get(single(rest, "get"), flags, io);
      case "wait":
        return await wait(single(rest, "wait"), flags, io);
      case "lookups":
        return await lookupsCommand(rest, flags, io, (env) => client(flags, env));
      case undefined:
        throw new UsageError("missing command");
      default:
        throw new UsageError(`unknown command ${JSON.stringify(sanitizeText(command, 40))}`);
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

function usage(io: CliIo, message: string): number {
  io.stderr(`coreweave-inference: ${message}\n\n${USAGE}\n`);
  return EXIT.usage;
}

function single(rest: readonly string[], command: string): string {
  if (rest.length !== 1) throw new UsageError(`${command} takes exactly one deployment ID`);
  return rest[0];
}

function client(flags: Flags, env: NodeJS.ProcessEnv): CoreweaveInferenceClient {
  return new CoreweaveInferenceClient({ endpoint: flags.endpoint, env });
}

async function get(deploymentId: string, flags: Flags, io: CliIo): Promise<number> {
  const api = client(flags, io.env);
  try {
    const deployment = await api.getDeployment(deploymentId);
    const verdict = evaluateReadiness(deployment);
    io.stdout(
      flags.json
        ? `${JSON.stringify({ deployment, readiness: verdict }, null, 2)}\n`
        : `${renderDeployment(deployment, verdict)}\n`,
    );
    return EXIT.ok;
  } finally {
    await api.close();
  }
}

async function wait(deploymentId: string, flags: Flags, io: CliIo): Promise<number> {
  const options = waitOptions(flags);
  // Checked before the first request, so a bad policy is a usage error, not a wait.
  for (const warning of policyWarnings(resolveReadinessPolicy(options))) {
    io.stderr(`coreweave-inference: warning: ${warning}\n`);
  }
  const api = client(flags, io.env);
  let outcome: WaitOutcome;
  try {
    outcome = await waitForReady(api, deploymentId, options, {
      onProgress: (line) => io.stderr(`${line}\n`),
    });
  } finally {
    await api.close();
  }
  const code =
    outcome.outcome === "ready"
      ? EXIT.ok
      : outcome.outcome === "terminal"
        ? EXIT.terminal
        : EXIT.notReady;
  const last = outcome.outcome === "timeout" ? outcome.last : outcome;
  if (flags.json) {
    const result = {
      deploymentId,
      outcome: outcome.outcome,
      ready: outcome.outcome === "ready",
      elapsedMs: outcome.elapsedMs,
      polls: outcome.polls,
      status: last?.deployment.status.status,
      blockers: last?.verdict.blockers ?? [],
      ...(outcome.outcome === "terminal" && { terminal: outcome.verdict.terminal }),
      ...(outcome.outcome === "timeout" &&
        outcome.lastError && { lastError: outcome.lastError.toJSON() }),
      deployment: last?.deployment,
    };
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  } else if (outcome.outcome === "ready") {
    io.stdout(`${deploymentId} is ready (${sanitizeText(outcome.deployment.status.status, 60)})\n`);
  }
  if (outcome.outcome !== "ready") {
    io.stderr(`coreweave-inference: ${waitOutcomeError(outcome, options).message}\n`);
  }
  return code;
}

function waitOptions(flags: Flags): WaitOptions {
  const duration = (flag: string, text: string): number => {
    const ms = parseDuration(text);
    if (ms === undefined || ms === 0) {
      throw new UsageError(
        `--${flag} ${JSON.stringify(sanitizeText(text, 40))} is not a duration: write e.g. 500ms, 10s, 20m or 2h`,
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
  const options: WaitOptions = {
    timeoutMs: duration("timeout", flags.timeout ?? DEFAULT_TIMEOUT),
    pollIntervalMs:
      flags.interval === undefined
        ? DEFAULT_POLL_INTERVAL_MS
        : duration("interval", flags.interval),
    acceptedStatuses: flags.accept,
    requiredConditions: flags.condition,
    allowDisabled: flags["allow-disabled"] ?? false,
    notBefore: updatedAfter,
  };
  try {
    resolveReadinessPolicy(options);
  } catch (error) {
    if (error instanceof ConfigurationError) throw new UsageError(error.message);
    throw error;
  }
  return options;
}

if (require.main === module) {
  runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  }).then((code) => {
    process.exitCode = code;
  });
}
