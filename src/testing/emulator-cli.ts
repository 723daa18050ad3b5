#!/usr/bin/env node
/**
 * `coreweave-inference-emulator` (the package's bin; `npm run emulator` in this repository):
 * serves the CoreWeave Inference API emulator on 127.0.0.1 until it is told to stop.
 *
 *   --port N          port to listen on (default 0: any free port; env COREWEAVE_EMULATOR_PORT)
 *   --fixtures FILE   JSON object `{ "<id>": Scenario }` (env COREWEAVE_EMULATOR_FIXTURES);
 *                     without it, demo deployments are served
 *   --latency-ms N    delay every API answer by N ms (default 0; env COREWEAVE_EMULATOR_LATENCY_MS)
 *   token             env COREWEAVE_EMULATOR_TOKEN (default "emulator-token")
 *
 * `--help` also summarizes the fixtures format and the control API (the README has the details).
 * The first stdout line is `CoreWeave Inference API emulator listening on <url>`;
 * `startEmulatorProcess` waits for it. Bad arguments: one line on stderr, exit code 2.
 *
 * It stops, closing its port, on SIGINT, SIGTERM or SIGHUP, and when the process that launched
 * it goes away, even through `npx` or `npm run`, which do not pass signals on to it (see
 * `emulator-launcher-watch.ts`). A clean stop exits with code 0.
 */
import { readFileSync } from "node:fs";
import {
  CONTROL_ROUTES,
  CoreweaveEmulator,
  DEFAULT_EMULATOR_TOKEN,
  EMULATOR_ENV,
  LISTENING_LINE_PREFIX,
} from "./emulator";
import { watchLaunchers } from "./emulator-launcher-watch";
import type { Scenario } from "./emulator-types";
import { EmulatorInputError, FAULT_TYPES, parseLatency } from "./emulator-validation";
import { demoScenarios } from "./fixtures";
import {
  flagLines,
  flagSynopsis,
  type FlagSpecs,
  HELP_FLAG,
  parseFlags,
  UsageError,
} from "../cli/command-line";

/** What `--help` prints: the options, then the fixtures format and the control API in short. */
function helpText(): string {
  const routes = CONTROL_ROUTES.map(
    ({ method, path, summary }) => `  ${method.padEnd(6)} ${path.padEnd(28)} ${summary}`,
  ).join("\n");
  const url = "http://127.0.0.1:PORT/_emulator";
  const synopsis = Object.entries(FLAGS).map(([name, flag]) => `[${flagSynopsis(name, flag)}]`);
  return `usage: coreweave-inference-emulator ${synopsis.join(" ")}

Serves the CoreWeave Inference API (GET /v1alpha1/inference/deployments/{id}) on 127.0.0.1.

${flagLines({ ...FLAGS, ...HELP_FLAG }).join("\n")}
Environment: ${EMULATOR_ENV.port}, ${EMULATOR_ENV.fixtures} and ${EMULATOR_ENV.latencyMs}
stand for the options; ${EMULATOR_ENV.token} is the accepted token (default "${DEFAULT_EMULATOR_TOKEN}").
Demo deployments: ${Object.keys(demoScenarios()).join(", ")}.

Fixtures file: a JSON object { "<id>": scenario, ... }, where a scenario is one of
  {"deployment": {...}}   served unchanged; "deployment" is the object the API answers with
  what \`coreweave-inference get <id> --json\` prints: the same; its "readiness" is ignored
  {"steps": [{"deployment": {...}, "requests": 2}, {"deployment": {...}, "ms": 5000}, ...]}
                          each step for "requests" answers or "ms" milliseconds, whichever
                          ends first; the last step forever
Unknown fields are refused.

Control API on the same port (no token; JSON bodies):
${routes}
Fault types: ${FAULT_TYPES.join(", ")}.
For example:
  curl -X POST -d '{"type":"status","httpStatus":503}' ${url}/faults
  coreweave-inference get dep-1 --json > dep-1.json   # record it from CoreWeave once
  curl -X PUT --data-binary @dep-1.json ${url}/deployments/dep-1

Details, and an example fixtures file: the package README, "Testing your own stacks offline".`;
}

/** Signals that mean "stop": Ctrl-C, `kill`, a closed terminal. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** A stop that takes longer than this (it should take milliseconds) ends the process anyway. */
const STOP_GRACE_MS = 3_000;

/** The emulator's flags; each also has an environment variable (see `EMULATOR_ENV`). */
const FLAGS = {
  port: {
    type: "string",
    placeholder: "N",
    description: "port to listen on; 0 (the default) picks a free one",
  },
  fixtures: {
    type: "string",
    placeholder: "FILE",
    description: "the deployments to serve (default: the demo ones below)",
  },
  "latency-ms": {
    type: "string",
    placeholder: "N",
    description: "delay every API answer by N ms (default 0)",
  },
} as const satisfies FlagSpecs;

interface CliOptions {
  readonly port: number;
  readonly fixtures?: string;
  readonly latencyMs: number;
  readonly help: boolean;
}

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  const { operands, flags } = parseFlags("coreweave-inference-emulator", FLAGS, argv);
  if (operands.length > 0) throw new UsageError(`unknown argument "${operands[0]}"`);
  // A flag given empty is a mistake; a variable set empty is unset.
  const setting = (flag: keyof typeof FLAGS, variable: string) =>
    flags[flag] !== undefined
      ? { text: flags[flag], source: `--${flag}` }
      : env[variable]
        ? { text: env[variable], source: variable }
        : undefined;
  const port = setting("port", EMULATOR_ENV.port);
  const latency = setting("latency-ms", EMULATOR_ENV.latencyMs);
  const fixtures = setting("fixtures", EMULATOR_ENV.fixtures);
  if (fixtures?.text === "") throw new UsageError("--fixtures needs a file");
  return {
    port: port ? parsePort(port.text, port.source) : 0,
    fixtures: fixtures?.text,
    latencyMs: latency ? parseMilliseconds(latency.text, latency.source) : 0,
    help: flags.help ?? false,
  };
}

function parsePort(text: string, source: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`${source} must be an integer from 0 to 65535, got "${text}"`);
  }
  return port;
}

function parseMilliseconds(text: string, source: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) {
    throw new UsageError(`${source} must be a non-negative number of milliseconds, got "${text}"`);
  }
  try {
    return parseLatency(Number(text), source);
  } catch (error) {
    if (error instanceof EmulatorInputError) throw new UsageError(error.message);
    throw error;
  }
}

function loadFixtures(file: string): Record<string, Scenario> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read fixtures file ${file}: ${(error as Error).message}`);
  }
  let fixtures: unknown;
  try {
    fixtures = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`fixtures file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof fixtures !== "object" || fixtures === null || Array.isArray(fixtures)) {
    throw new UsageError(`fixtures file ${file} must hold a JSON object { "<id>": scenario }`);
  }
  const id = recordedDeploymentId(fixtures);
  if (id !== undefined) {
    throw new UsageError(
      `fixtures file ${file} holds one deployment, not { "<id>": scenario }: ` +
        `write it as { ${JSON.stringify(id)}: <what it holds now> }`,
    );
  }
  return fixtures as Record<string, Scenario>;
}

/**
 * The ID of a file that is one `get --json` output (or `{"deployment": ...}`) rather than a map
 * of scenarios: the likeliest mistake when recording, named so the fix is plain. Unambiguous: a
 * scenario holds no `spec`, so as a map such a file would be refused anyway.
 */
function recordedDeploymentId(fixtures: object): string | undefined {
  const { deployment } = fixtures as { readonly deployment?: { readonly spec?: { id?: unknown } } };
  const id = deployment?.spec?.id;
  return typeof id === "string" ? id : undefined;
}

/** Builds the emulator from arguments and environment; the hint line tells users how to use it. */
function configure(
  options: CliOptions,
  env: NodeJS.ProcessEnv,
): {
  readonly emulator: CoreweaveEmulator;
  readonly hint: (url: string) => string;
} {
  const token = env[EMULATOR_ENV.token]?.trim() || DEFAULT_EMULATOR_TOKEN;
  const deployments = options.fixtures ? loadFixtures(options.fixtures) : demoScenarios();
  let emulator: CoreweaveEmulator;
  try {
    emulator = new CoreweaveEmulator({
      token,
      port: options.port,
      deployments,
      latencyMs: options.latencyMs,
    });
  } catch (error) {
    if (!(error instanceof EmulatorInputError)) throw error;
    throw new UsageError(
      options.fixtures ? `fixtures file ${options.fixtures}: ${error.message}` : error.message,
    );
  }
  // Only the default token is shown: a custom one came in through the environment on purpose.
  const shownToken = token === DEFAULT_EMULATOR_TOKEN ? token : `<value of ${EMULATOR_ENV.token}>`;
  const served = options.fixtures
    ? `${Object.keys(deployments).length} deployment(s) from ${options.fixtures}`
    : `demo deployments: ${Object.keys(deployments).join(", ")}`;
  const latency = options.latencyMs > 0 ? `; ${options.latencyMs} ms latency` : "";
  return {
    emulator,
    hint: (url) =>
      `Use it with COREWEAVE_API_ENDPOINT=${url} COREWEAVE_API_TOKEN=${shownToken} (${served}${latency})`,
  };
}

/**
 * Stops the emulator on a stop signal or when its launcher goes away. Handlers are installed
 * before the port opens, so a signal that arrives during start-up still closes it.
 */
function stopWhenToldOrOrphaned(emulator: CoreweaveEmulator): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    stopWatching();
    setTimeout(() => process.exit(1), STOP_GRACE_MS).unref();
    emulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
  const stopWatching = watchLaunchers(({ pid, command }) => {
    // Said once, for whoever reads the log later; nobody may be left to read stderr now.
    process.stderr.on("error", () => undefined);
    process.stderr.write(
      `coreweave emulator: stopping: its launcher, process ${pid}${command ? ` (${command})` : ""}, is gone\n`,
    );
    stop();
  });
}

async function main(): Promise<number | undefined> {
  let setup: ReturnType<typeof configure>;
  try {
    const { argv, env } = process;
    const options = parseArgs(argv.slice(2), env);
    if (options.help) {
      process.stdout.write(`${helpText()}\n`);
      return 0;
    }
    setup = configure(options, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`coreweave emulator: ${error.message} (see --help)\n`);
    return 2;
  }
  const { emulator, hint } = setup;
  stopWhenToldOrOrphaned(emulator);
  const url = await emulator.start();
  process.stdout.write(`${LISTENING_LINE_PREFIX}${url}\n${hint(url)}\n`);
  return undefined;
}

main().then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `coreweave emulator: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
