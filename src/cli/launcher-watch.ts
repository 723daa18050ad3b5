/**
 * Lets a command-line program notice that whoever launched it is gone: the emulator, so that it
 * never outlives them, and `coreweave-inference`, so that a cancelled CI step still gets its
 * report and no orphan goes on polling the API.
 *
 * Signals alone are not enough, because `npx` and `npm run` do not run the program themselves:
 *
 *     npm exec ─ sh -c ─ node emulator-cli.js                   npx coreweave-inference-emulator
 *     npm run ── sh -c ─ node tsx ─ node emulator-cli.ts         npm run emulator
 *
 * npm forwards SIGTERM and SIGINT to its child, the shell, only. The shell (dash or bash) dies of
 * it without passing it on, and the emulator is orphaned, still listening: `kill $!` after
 * `npx coreweave-inference-emulator &` would leave it running. npm forwards no SIGHUP at all,
 * and nobody can forward a SIGKILL.
 *
 * So the CLI watches the chain of processes between itself and the nearest npm above it, and
 * stops when a link breaks. A process that dies hands its children to another parent (init or a
 * subreaper), so a changed parent PID anywhere in the chain means a launcher is gone.
 *
 * For the emulator the chain ends at npm on purpose: the shell that ran `npx ...&` may exit and
 * leave the emulator serving, as any background server would. `coreweave-inference` watches npm's
 * launcher too (`pastNpm`): a CI runner cancels a step by signalling the step's shell only, so
 * the shell dying is all the CLI sees of it. Without npm above it, only the direct parent
 * is watched (e.g. the test process of `startEmulatorProcess`, or that shell). The server that
 * `--detach` starts watches nothing: it is meant to outlive its launcher (see emulator-cli.ts).
 *
 * The chain is read from `/proc` (Linux). Elsewhere only the direct parent is watched, through
 * `process.ppid` and a liveness probe.
 */
import { readFileSync } from "node:fs";

/** How often the chain is checked: a gone launcher is noticed within this many milliseconds. */
const POLL_MS = 250;

/** Ancestors examined when looking for npm; a deeper npm is not the one that launched us. */
const MAX_CHAIN = 16;

/**
 * What npm's processes look like. npm names itself `npm exec ...`, `npm run ...` (process
 * title); before that, and when run through node, its argv names `npm-cli.js`/`npx-cli.js`.
 */
const NPM_COMMAND = /^np[mx](\s|$)|(^|[\s/\\])np[mx]-cli\.js(\s|$)/;

/** The parts of the operating system's process table the watch reads. */
export interface ProcessTable {
  /** The parent PID of `pid`; `undefined` if it is gone or cannot be read. */
  parentOf(pid: number): number | undefined;
  /** The command line of `pid`; `undefined` if it is gone or cannot be read. */
  commandOf(pid: number): string | undefined;
}

/** The process table of Linux, read from `/proc`. */
export const procfsTable: ProcessTable = {
  parentOf(pid) {
    const stat = readProcFile(pid, "stat");
    if (stat === undefined) return undefined;
    // "<pid> (<comm>) <state> <ppid> ...": comm may hold spaces and ")", so read after the last ")".
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // A zombie has exited already; its children have a new parent.
    return state === "Z" || state === "X" ? undefined : Number(ppid);
  },
  commandOf(pid) {
    return readProcFile(pid, "cmdline")?.replaceAll("\0", " ").trim();
  },
};

/** Elsewhere: only this process's own parent is known, and whether it is still alive. */
export const directParentTable: ProcessTable = {
  parentOf(pid) {
    if (pid !== process.pid) return undefined;
    // Windows re-parents nobody, so probe the parent itself too.
    return isAlive(process.ppid) ? process.ppid : undefined;
  },
  commandOf: () => undefined,
};

/** Which launchers to watch. */
export interface LauncherWatchOptions {
  /**
   * Watch npm's own launcher too (the shell that ran `npx ...`): a process that must end with
   * the shell of its CI step, not outlive it.
   * @default false: the chain ends at npm, so a background server may serve later steps
   */
  readonly pastNpm?: boolean;
}

/**
 * The launchers of process `self`, nearest first: its ancestors up to and including the nearest
 * npm (and, with `pastNpm`, npm's parent), or only its direct parent when no npm is above it.
 * Init (PID 1) and processes outside this PID namespace (PID 0) are never included: nothing
 * launched us through them.
 */
export function launcherChain(
  table: ProcessTable,
  self: number,
  { pastNpm = false }: LauncherWatchOptions = {},
): number[] {
  const chain: number[] = [];
  for (let pid = self; chain.length < MAX_CHAIN;) {
    const parent = table.parentOf(pid);
    if (parent === undefined || parent <= 1) break;
    chain.push(parent);
    if (NPM_COMMAND.test(table.commandOf(parent) ?? "")) {
      const above = pastNpm ? table.parentOf(parent) : undefined;
      return above !== undefined && above > 1 ? [...chain, above] : chain;
    }
    pid = parent;
  }
  return chain.slice(0, 1);
}

/** Describes the launcher that went away, for the CLI's last line. */
export interface LauncherGone {
  readonly pid: number;
  readonly command?: string;
}

/**
 * Calls `onGone` once, as soon as a launcher of this process (see {@link launcherChain}) is
 * gone. Returns a function that stops watching. The timer never keeps the process alive.
 */
export function watchLaunchers(
  onGone: (gone: LauncherGone) => void,
  options: LauncherWatchOptions = {},
  table: ProcessTable = process.platform === "linux" ? procfsTable : directParentTable,
): () => void {
  const chain = launcherChain(table, process.pid, options);
  const commands = new Map(chain.map((pid) => [pid, table.commandOf(pid)]));
  // Each launcher must still be the parent of the process below it.
  const links = chain.map((parent, i) => ({ child: i === 0 ? process.pid : chain[i - 1], parent }));
  if (links.length === 0) return () => undefined;
  const timer = setInterval(() => {
    const broken = links.find(({ child, parent }) => table.parentOf(child) !== parent);
    if (broken === undefined) return;
    clearInterval(timer);
    onGone({ pid: broken.parent, command: commands.get(broken.parent) });
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function readProcFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, "utf8");
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
