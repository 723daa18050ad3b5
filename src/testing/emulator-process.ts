/**
 * Runs the emulator in a child process. The constructs look deployments up *synchronously* at
 * synth time, blocking this thread, so an in-process server could never answer them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { redactSecret } from "../api/text";
import {
  DEFAULT_EMULATOR_TOKEN,
  EMULATOR_ENV,
  LISTENING_LINE_PREFIX,
  OPTIONS_FIXTURES_ENV,
} from "./emulator";
import type { CoreweaveEmulatorOptions, Fault, RequestLogEntry, Scenario } from "./emulator-types";

const START_TIMEOUT_MS = 15_000;
/** How long the child gets to exit on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_CHARS = 4_000;

/**
 * Options of {@link startEmulatorProcess}: those of the in-process `CoreweaveEmulator` (token,
 * port, deployments, latencyMs).
 */
export type EmulatorProcessOptions = CoreweaveEmulatorOptions;

/** A running emulator process, driven over its control API. */
export interface EmulatorProcess {
  /** Base URL, e.g. `http://127.0.0.1:41234`: set it as `COREWEAVE_API_ENDPOINT`. */
  readonly url: string;
  /** The token the emulator accepts: set it as `COREWEAVE_API_TOKEN`. */
  readonly token: string;
  /** Serves `scenario` for `id` from now on. */
  setDeployment(id: string, scenario: Scenario): Promise<void>;
  /** Queues a fault; pending faults apply in the order they were added. */
  addFault(fault: Fault): Promise<void>;
  /** The API requests so far, oldest first. */
  requestLog(): Promise<readonly RequestLogEntry[]>;
  /** Forgets logged requests. */
  clearRequestLog(): Promise<void>;
  /** Forgets deployments, pending faults and the request log. */
  reset(): Promise<void>;
  /** Kills the process and waits for it to exit. Safe to call more than once. */
  stop(): Promise<void>;
}

// Children still running when this process exits are killed, so a test that forgets stop()
// cannot leave an emulator behind. A process killed outright runs no exit hook: then the child
// notices its parent is gone and stops by itself (see launcher-watch.ts).
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts the emulator CLI in a child process and resolves once it listens. The token and
 * deployments travel by environment and a temporary file, never argv (visible in `ps`).
 */
export async function startEmulatorProcess(
  options: EmulatorProcessOptions = {},
): Promise<EmulatorProcess> {
  const token = options.token ?? DEFAULT_EMULATOR_TOKEN;
  const dir = await mkdtemp(join(tmpdir(), "coreweave-emulator-"));
  try {
    const fixtures = join(dir, "fixtures.json");
    await writeFile(fixtures, JSON.stringify(options.deployments ?? {}), { mode: 0o600 });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      [EMULATOR_ENV.token]: token,
      [EMULATOR_ENV.fixtures]: fixtures,
      [OPTIONS_FIXTURES_ENV]: "1",
      [EMULATOR_ENV.port]: String(options.port ?? 0),
      [EMULATOR_ENV.latencyMs]: String(options.latencyMs ?? 0),
    };
    delete env.COREWEAVE_API_TOKEN; // the emulator never needs a real token
    const child = spawn(process.execPath, cliArgs(), {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      windowsHide: true,
    });
    const closed = new Promise<void>((resolve) => {
      child.once("close", () => resolve());
      // A child that never spawned emits no "close".
      child.once("error", () => child.pid === undefined && resolve());
    });
    track(child);
    let url: string;
    try {
      url = await waitForListening(child, token);
    } catch (error) {
      await killAndWait(child, closed);
      throw error;
    }
    return connect(url, token, child, closed);
  } finally {
    // The child has read its fixtures once it listens.
    await rm(dir, { recursive: true, force: true });
  }
}

/** Compiled, the CLI is the `.js` beside this file; from sources (jest, tsx), the `.ts` via tsx. */
function cliArgs(): string[] {
  if (__filename.endsWith(".ts")) {
    return ["--require", require.resolve("tsx/cjs"), join(__dirname, "emulator-cli.ts")];
  }
  return [join(__dirname, "emulator-cli.js")];
}

function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const running of liveChildren) running.kill("SIGKILL");
  });
}

function waitForListening(child: ChildProcess, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let pendingLine = "";
    let stderr = "";
    const stderrTail = (): string => {
      const text = redactSecret(stderr, token).trim();
      return text === "" ? "" : `; stderr: ${text}`;
    };
    const finish = (result: { url: string } | Error): void => {
      clearTimeout(timer);
      child.stdout?.off("data", onStdout);
      child.stderr?.off("data", onStderr);
      child.off("close", onClose);
      child.off("error", onError);
      // Keep draining both pipes so the child never blocks writing to them.
      child.stdout?.resume();
      child.stderr?.resume();
      if (result instanceof Error) reject(result);
      else resolve(result.url);
    };
    const onStdout = (chunk: Buffer): void => {
      const lines = (pendingLine + chunk.toString("utf8")).split("\n");
      pendingLine = lines.pop() ?? "";
      const line = lines.find((candidate) => candidate.startsWith(LISTENING_LINE_PREFIX));
      if (line !== undefined) finish({ url: line.slice(LISTENING_LINE_PREFIX.length).trim() });
    };
    const onStderr = (chunk: Buffer): void => {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_TAIL_CHARS);
    };
    const onClose = (code: number | null, signal: NodeJS.Signals | null): void =>
      finish(
        new Error(
          `the CoreWeave emulator process exited (${signal ?? `code ${code}`}) before listening${stderrTail()}`,
        ),
      );
    const onError = (error: Error): void =>
      finish(new Error(`the CoreWeave emulator process could not start: ${error.message}`));
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `the CoreWeave emulator process did not start listening within ${START_TIMEOUT_MS / 1000} s${stderrTail()}`,
          ),
        ),
      START_TIMEOUT_MS,
    );
    child.stdout?.on("data", onStdout);
    child.stderr?.on("data", onStderr);
    child.once("close", onClose);
    child.once("error", onError);
  });
}

async function killAndWait(child: ChildProcess, closed: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await closed;
  clearTimeout(timer);
}

function connect(
  url: string,
  token: string,
  child: ChildProcess,
  closed: Promise<void>,
): EmulatorProcess {
  const pool = new Pool(url, { connections: 2 });
  const call = async (
    method: "GET" | "PUT" | "POST" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<unknown> => {
    const response = await pool.request({
      method,
      path,
      // A fresh connection per call: test steps can sit idle past the server's keep-alive
      // timeout, and a request that races the server closing its idle socket fails.
      reset: true,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      throw new Error(
        `emulator control ${method} ${path} failed (HTTP ${response.statusCode}): ${controlMessage(text)}`,
      );
    }
    return JSON.parse(text);
  };
  let stopping: Promise<void> | undefined;
  return {
    url,
    token,
    setDeployment: async (id, scenario) => {
      await call("PUT", `/_emulator/deployments/${encodeURIComponent(id)}`, scenario);
    },
    addFault: async (fault) => {
      await call("POST", "/_emulator/faults", fault);
    },
    requestLog: async () => {
      const log = (await call("GET", "/_emulator/requests")) as { requests: RequestLogEntry[] };
      return log.requests;
    },
    clearRequestLog: async () => {
      await call("DELETE", "/_emulator/requests");
    },
    reset: async () => {
      await call("POST", "/_emulator/reset");
    },
    stop: () =>
      (stopping ??= (async () => {
        await pool.destroy();
        await killAndWait(child, closed);
      })()),
  };
}

function controlMessage(text: string): string {
  try {
    const { message } = JSON.parse(text) as { message?: unknown };
    if (typeof message === "string") return message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 500);
}
