#!/usr/bin/env node
/**
 * `coreweave-inference-emulator` (the package's bin; `npm run emulator` in this repository):
 * serves the CoreWeave Inference API emulator on 127.0.0.1 until it is told to stop.
 *
 *   --port N          port to listen on (default 0: any free port; env COREWEAVE_EMULATOR_PORT)
 *   --fixtures FILE   JSON object `{ "<id>": Scenario }` (env COREWEAVE_EMULATOR_FIXTURES);
 *                     without it, demo deployments are served
 *   --latency-ms N    delay every API answer by N ms (default 0; env COREWEAVE_EMULATOR_LATENCY_MS)
 *   --detach          run in the background: exit 0 once it listens (for CI steps)
 *   --pid-file FILE   with --detach: write its PID to FILE, removed when it stops
 *   token             env COREWEAVE_EMULATOR_TOKEN (default "emulator-token")
 *
 * `--help` also summarizes the fixtures format and the control API (the README has the details).
 * The first stdout line is `CoreWeave Inference API emulator listening on <url>`;
 * `startEmulatorProcess` waits for it. Bad arguments, and a fixtures file the client would
 * refuse: one line on stderr, exit code 2, before anything starts.
 *
 * It stops, closing its port, on SIGINT, SIGTERM or SIGHUP, and when the process that launched
 * it goes away, even through `npx` or `npm run`, which do not pass signals on to it (see
 * `launcher-watch.ts`). A clean stop exits with code 0.
 *
 * `--detach`: this process checks everything, then starts this same script again as the
 * server, in a session of its own (see {@link detach}), and exits once the server listens. The
 * server outlives the shell of the CI step that started it, and stops only when told to.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import {
  CONTROL_ROUTES,
  CoreweaveEmulator,
  DEFAULT_EMULATOR_TOKEN,
  EMULATOR_ENV,
  LISTENING_LINE_PREFIX,
  OPTIONS_FIXTURES_ENV,
} from "./emulator";
import { watchLaunchers } from "../cli/launcher-watch";
import type { Scenario } from "./emulator-types";
import {
  checkFixtureDeployments,
  EmulatorInputError,
  FAULT_TYPES,
  parseLatency,
} from "./emulator-validation";
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
stand for --port, --fixtures and --latency-ms; ${EMULATOR_ENV.token} is the accepted token
(default "${DEFAULT_EMULATOR_TOKEN}").
Demo deployments: ${Object.keys(demoScenarios()).join(", ")}.

In CI, where each step runs in a shell of its own, start it in the background in one step
(into a file, so that a failed start fails the step):
  npx coreweave-inference-emulator --detach --pid-file emulator.pid > emulator.out
  URL=$(head -1 emulator.out | sed 's/.* on //')
use $URL in later steps, and stop it at the end with: kill $(cat emulator.pid)

Fixtures file: a JSON object { "<id>": scenario, ... }, where a scenario is one of
  {"deployment": {...}}   served unchanged; "deployment" is the object the API answers with
  what \`coreweave-inference get <id> --json\` prints: the same; its "readiness" is ignored
  {"steps": [{"deployment": {...}, "requests": 2}, {"deployment": {...}, "ms": 5000}, ...]}
                          each step for "requests" answers or "ms" milliseconds, whichever
                          ends first; the last step forever
Unknown fields are refused, and so is a deployment the client would refuse for its ID: it must
match the API schema, its spec.id must be the ID, and its status.status a STATUS_* name.

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

/** How long `--detach` waits for the server it started to listen. */
const DETACH_TIMEOUT_MS = 15_000;

/**
 * Set to "1" in the environment of the server that `--detach` starts, beside an IPC channel to
 * its launcher: it reports there, as nobody reads its stdout and stderr.
 */
const DETACHED_SERVER_ENV = "COREWEAVE_EMULATOR_DETACHED_SERVER";

/** Whether this process is the server that `--detach` started. */
const isDetachedServer = process.env[DETACHED_SERVER_ENV] === "1" && process.send !== undefined;

/** What the detached server tells its launcher, once: it listens, or why it cannot. */
type ServerReport =
  | { readonly listening: string; readonly pid: number }
  | { readonly failed: string; readonly exitCode: number };

/** The launcher's answer once it has told the user: the server is on its own from now on. */
interface Adoption {
  /** The pid file the launcher wrote, which the server removes when it stops. */
  readonly pidFile?: string;
}

/**
 * The emulator's flags. `--port`, `--fixtures` and `--latency-ms` each also have an environment
 * variable (see `EMULATOR_ENV`); `--detach` and `--pid-file` do not: they say how this one
 * command runs, and `startEmulatorProcess` passes its environment on to the emulator it starts.
 */
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
  detach: {
    type: "boolean",
    description: "run in the background: print the URL once it listens, exit 0",
  },
  "pid-file": {
    type: "string",
    placeholder: "FILE",
    description: "with --detach: write its PID to FILE (removed when it stops)",
  },
} as const satisfies FlagSpecs;

interface CliOptions {
  readonly port: number;
  readonly fixtures?: string;
  readonly latencyMs: number;
  readonly detach: boolean;
  readonly pidFile?: string;
  readonly help: boolean;
}

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  const { operands, flags } = parseFlags("coreweave-inference-emulator", FLAGS, argv);
  if (operands.length > 0) throw new UsageError(`unknown argument "${operands[0]}"`);
  // A flag given empty is a mistake; a variable set empty is unset.
  const setting = (flag: "port" | "fixtures" | "latency-ms", variable: string) =>
    flags[flag] !== undefined
      ? { text: flags[flag], source: `--${flag}` }
      : env[variable]
        ? { text: env[variable], source: variable }
        : undefined;
  const port = setting("port", EMULATOR_ENV.port);
  const latency = setting("latency-ms", EMULATOR_ENV.latencyMs);
  const fixtures = setting("fixtures", EMULATOR_ENV.fixtures);
  if (fixtures?.text === "") throw new UsageError("--fixtures needs a file");
  const pidFile = flags["pid-file"];
  if (pidFile === "") throw new UsageError("--pid-file needs a file");
  if (pidFile !== undefined && !flags.detach) {
    throw new UsageError(
      "--pid-file goes with --detach: add --detach to run the emulator in the background",
    );
  }
  return {
    port: port ? parsePort(port.text, port.source) : 0,
    fixtures: fixtures?.text,
    latencyMs: latency ? parseMilliseconds(latency.text, latency.source) : 0,
    detach: flags.detach ?? false,
    pidFile,
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
    // The deployments of startEmulatorProcess are served as CoreweaveEmulator serves them.
    if (options.fixtures && env[OPTIONS_FIXTURES_ENV] !== "1") {
      checkFixtureDeployments(deployments);
    }
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

/** What a started emulator prints: the listening line, which scripts read, then how to use it. */
function listeningLines(url: string, hint: (url: string) => string): string {
  return `${LISTENING_LINE_PREFIX}${url}\n${hint(url)}\n`;
}

/**
 * Stops the emulator on a stop signal, and returns the function that does it, for the other
 * reasons to stop. Handlers are installed before the port opens, so a signal that arrives during
 * start-up still closes it. `stopping` runs first; `stopped` once the port is closed, before the
 * exit with code 0.
 */
function stopOnSignals(
  emulator: CoreweaveEmulator,
  hooks: { readonly stopping?: () => void; readonly stopped?: () => void },
): () => void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    hooks.stopping?.();
    setTimeout(() => process.exit(1), STOP_GRACE_MS).unref();
    emulator.stop().then(
      () => {
        hooks.stopped?.();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
  return stop;
}

/** The emulator in the foreground: it stops when told, or when its launcher goes away. */
function stopWhenToldOrOrphaned(emulator: CoreweaveEmulator): void {
  const stopWatching = watchLaunchers(({ pid, command }) => {
    // Said once, for whoever reads the log later; nobody may be left to read stderr now.
    process.stderr.on("error", () => undefined);
    process.stderr.write(
      `coreweave emulator: stopping: its launcher, process ${pid}${command ? ` (${command})` : ""}, is gone\n`,
    );
    stop();
  });
  const stop = stopOnSignals(emulator, { stopping: stopWatching });
}

/**
 * The server that `--detach` started. It watches no launcher: the shell of the CI step that
 * started it exits at the end of the step, and it must serve the steps after. It stops on a stop
 * signal only, removing the pid file, or when its launcher goes before adopting it: then nobody
 * was told its URL or its PID.
 */
async function serveDetached(emulator: CoreweaveEmulator): Promise<undefined> {
  let adoption: Adoption | undefined;
  const stop = stopOnSignals(emulator, {
    stopped: () => {
      if (adoption?.pidFile !== undefined) removeOwnPidFile(adoption.pidFile);
    },
  });
  process.once("message", (message: Adoption) => (adoption = message));
  // Messages come before the channel closes, so an adopted server never stops here.
  process.once("disconnect", () => adoption === undefined && stop());
  tellLauncher({ listening: await emulator.start(), pid: process.pid });
  return undefined;
}

function tellLauncher(report: ServerReport): void {
  if (!process.connected) return;
  process.send?.(report, () => {
    // After a failure there is nothing more to say: a closed channel lets the process exit.
    if ("failed" in report && process.connected) process.disconnect();
  });
}

/**
 * `--detach`: starts this script again as the server, detached (in a session of its own, so that
 * neither the end of the CI step's shell nor a signal to its process group reaches it; its stdio
 * /dev/null, so that no write of it can fail), and with an IPC channel to hear that it listens
 * or why it cannot. Then writes the pid file, prints what the emulator prints in the foreground,
 * adopts the server, and returns the exit code. `process.execArgv` keeps tsx loaded when run
 * from sources (`npm run emulator`).
 */
async function detach(hint: (url: string) => string, pidFile?: PidFile): Promise<number> {
  const server = spawn(
    process.execPath,
    [...process.execArgv, __filename, ...process.argv.slice(2)],
    {
      detached: true,
      stdio: ["ignore", "ignore", "ignore", "ipc"],
      env: { ...process.env, [DETACHED_SERVER_ENV]: "1" },
      windowsHide: true,
    },
  );
  const report = await serverReport(server);
  if ("failed" in report) {
    pidFile?.discard();
    return fail(report.failed, report.exitCode);
  }
  try {
    pidFile?.write(report.pid);
  } catch (error) {
    pidFile?.discard();
    // Never adopted, the server stops once the channel closes.
    server.disconnect();
    return fail((error as Error).message, 1);
  }
  // A script may read the URL line alone (`| head -1`) and close the pipe: that is no failure.
  process.stdout.on("error", () => undefined);
  process.stdout.write(
    `${listeningLines(report.listening, hint)}` +
      `Running in the background as process ${report.pid}: stop it with kill ${report.pid}\n`,
  );
  server.send({ pidFile: pidFile?.path } satisfies Adoption, () => server.disconnect());
  server.unref();
  return 0;
}

/** The server's report; or, when none comes, that it exited first or (killed then) was too slow. */
function serverReport(server: ChildProcess): Promise<ServerReport> {
  return new Promise((resolve) => {
    const failed = (why: string): ServerReport => ({ failed: why, exitCode: 1 });
    const onMessage = (report: ServerReport): void => done(report);
    const onError = (error: Error): void =>
      done(failed(`cannot start the emulator in the background: ${error.message}`));
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      done(failed(`the emulator exited (${signal ?? `code ${code}`}) before it listened`));
    // The channel closes after the last message: closed without one, the server is exiting.
    const onDisconnect = (): void => {
      if (server.exitCode === null && server.signalCode === null) server.once("exit", onExit);
      else onExit(server.exitCode, server.signalCode);
    };
    const timer = setTimeout(() => {
      server.kill("SIGKILL");
      done(failed(`the emulator did not listen within ${DETACH_TIMEOUT_MS / 1000} s`));
    }, DETACH_TIMEOUT_MS);
    const done = (report: ServerReport): void => {
      clearTimeout(timer);
      server.off("message", onMessage);
      server.off("error", onError);
      server.off("disconnect", onDisconnect);
      server.off("exit", onExit);
      resolve(report);
    };
    server.once("message", onMessage);
    server.once("error", onError);
    server.once("disconnect", onDisconnect);
  });
}

/**
 * The pid file of `--detach`, opened (so created, or emptied) before the server starts: one that
 * cannot be written is refused before anything starts.
 */
class PidFile {
  readonly path: string;
  readonly #fd: number;

  constructor(file: string) {
    this.path = resolve(file);
    try {
      this.#fd = openSync(this.path, "w");
    } catch (error) {
      throw new UsageError(`cannot write pid file ${file}: ${(error as Error).message}`);
    }
  }

  write(pid: number): void {
    try {
      writeSync(this.#fd, `${pid}\n`);
    } catch (error) {
      throw new Error(`cannot write pid file ${this.path}: ${(error as Error).message}`);
    } finally {
      closeSync(this.#fd);
    }
  }

  /** Closes and removes it: the server did not start. */
  discard(): void {
    try {
      closeSync(this.#fd);
    } catch {
      // closed already, by a write that failed
    }
    try {
      unlinkSync(this.path);
    } catch {
      // removed already
    }
  }
}

/** Removes the pid file if it still holds this process's PID: another may have taken it over. */
function removeOwnPidFile(path: string): void {
  try {
    if (readFileSync(path, "utf8").trim() === String(process.pid)) unlinkSync(path);
  } catch {
    // gone already, or unreadable: nothing of ours to remove
  }
}

/** Reports a failure as one line, `coreweave emulator: <line>`; returns the exit code. */
function fail(line: string, exitCode: number): number {
  // The detached server's stderr is /dev/null: its launcher prints the line.
  if (isDetachedServer) tellLauncher({ failed: line, exitCode });
  else process.stderr.write(`coreweave emulator: ${line}\n`);
  return exitCode;
}

async function main(): Promise<number | undefined> {
  let options: CliOptions;
  let setup: ReturnType<typeof configure>;
  let pidFile: PidFile | undefined;
  try {
    options = parseArgs(process.argv.slice(2), process.env);
    if (options.help) {
      process.stdout.write(`${helpText()}\n`);
      return 0;
    }
    setup = configure(options, process.env);
    if (!isDetachedServer && options.pidFile !== undefined) pidFile = new PidFile(options.pidFile);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return fail(`${error.message} (see --help)`, 2);
  }
  const { emulator, hint } = setup;
  if (isDetachedServer) return serveDetached(emulator);
  if (options.detach) return detach(hint, pidFile);
  stopWhenToldOrOrphaned(emulator);
  process.stdout.write(listeningLines(await emulator.start(), hint));
  return undefined;
}

main().then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = fail(error instanceof Error ? error.message : String(error), 1);
  },
);
