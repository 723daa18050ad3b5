/**
 * Starts commands the way a user does (`npx ...`, `npm run ...`) and checks that nothing they
 * started outlives them. Each command runs in a process group of its own, so that everything it
 * spawned can be found, and killed after the test even when the test fails.
 */
import { spawn } from "node:child_process";
import { connect } from "node:net";

/** A command started in its own process group. */
export interface Launched {
  /** The PID of the command itself (the launcher, e.g. npm); also its process group ID. */
  readonly pid: number;
  /** The first capture of `readyPattern` in its output. */
  readonly ready: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the command itself exits: its exit code, or the signal that ended it. */
  readonly exit: Promise<number | NodeJS.Signals>;
}

const running = new Set<number>();

/**
 * Runs `command` and resolves once its output matches `readyPattern` (first capture group).
 * Call {@link killLaunched} in `afterEach`.
 */
export function launch(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; readyPattern: RegExp; timeoutMs?: number },
): Promise<Launched> {
  // detached: a new session and process group, led by the command; its children join it.
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) return Promise.reject(new Error(`could not start ${command}`));
  running.add(pid);
  let text = "";
  const collect = (chunk: Buffer): void => {
    text += chunk.toString("utf8");
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exit = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "SIGKILL")),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} ${args.join(" ")} did not get ready:\n${text}`)),
      options.timeoutMs ?? 30_000,
    );
    const check = (): void => {
      const match = options.readyPattern.exec(text);
      if (match === null) return;
      clearTimeout(timer);
      resolve({ pid, ready: match[1], output: () => text, exit });
    };
    child.stdout.on("data", check);
    child.stderr.on("data", check);
    child.once("exit", () => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(" ")} exited before it got ready:\n${text}`));
    });
  });
}

/** SIGKILLs every process group started by {@link launch} that still has a member. */
export function killLaunched(): void {
  for (const pgid of running) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // the group is empty already
    }
    running.delete(pgid);
  }
}

// A test run that dies between launch and afterEach must not leave processes behind either.
process.once("exit", killLaunched);

/** Whether any process of the group is still there. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether something accepts TCP connections on `url`'s host and port. */
export function isListening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Polls `condition` until it holds; resolves the milliseconds it took, or rejects after `withinMs`. */
export async function eventually(
  what: string,
  condition: () => boolean | Promise<boolean>,
  withinMs: number,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await condition()) return performance.now() - started;
    if (performance.now() - started > withinMs) {
      throw new Error(`${what}: still not true after ${withinMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
