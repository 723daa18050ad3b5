/**
 * The CLI as a real process, the way pipelines end it: SIGTERM and SIGINT, the shell of a CI step
 * or npm going away underneath it, an API that is down for the whole wait, and a live table on a
 * real terminal (tmux). The emulator runs in this process on 127.0.0.1 and counts the requests.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { CoreweaveEmulator, deploymentFixture } from "../src/testing";
import { closedPortUrl } from "./support/closed-port";
import { eventually, killLaunched, launch } from "./support/launched-processes";

const TOKEN = "cw-process-secret-5e2a9c71";
const repo = join(__dirname, "..");
const CLI = [process.execPath, "--require", "tsx/cjs", join(repo, "src", "cli", "main.ts")];
const quoted = (args: readonly string[]) => args.map((arg) => `'${arg}'`).join(" ");

const emulator = new CoreweaveEmulator({ token: TOKEN });
let url = "";
let scratch = "";

beforeAll(async () => {
  url = await emulator.start();
  scratch = mkdtempSync(join(tmpdir(), "cw-cli-process-"));
});
afterAll(async () => {
  await emulator.stop();
  rmSync(scratch, { recursive: true, force: true });
});
beforeEach(() => emulator.reset());
afterEach(killLaunched);

const env = (more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TMPDIR: process.env.TMPDIR,
  COREWEAVE_API_ENDPOINT: url,
  COREWEAVE_API_TOKEN: TOKEN,
  ...more,
});

const creating = (id: string) =>
  emulator.setDeployment(
    id,
    deploymentFixture(id, {
      status: "STATUS_CREATING",
      conditions: [{ type: "Ready", status: "False", reason: "ModelLoading" }],
    }),
  );
const requestsFor = (id: string) =>
  emulator.requestLog().filter((entry) => entry.deploymentId === id);

/** A run's files: its JUnit report and GitHub step summary, in a folder of their own. */
function reportFiles(name: string) {
  const dir = join(scratch, name);
  return { dir, junit: join(dir, "reports", "wait.xml"), summary: join(scratch, `${name}.md`) };
}

function parseJunit(path: string) {
  const xml = readFileSync(path, "utf8");
  expect(XMLValidator.validate(xml)).toBe(true);
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml).testsuites
    .testsuite;
}

describe.each([
  ["SIGTERM", 143],
  ["SIGINT", 130],
] as const)("%s", (signal, exitCode) => {
  it(`stops the wait at once, writes every report with what it knew, and exits ${exitCode}`, async () => {
    emulator.setDeployment("dep-ready", deploymentFixture("dep-ready"));
    creating("dep-stuck");
    const files = reportFiles(signal);
    const waiter = await launch(
      CLI[0],
      [...CLI.slice(1), "wait", "dep-ready", "dep-stuck", "--interval", "200ms", "--json"].concat([
        "--junit",
        files.junit,
      ]),
      {
        cwd: repo,
        env: env({ GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: files.summary }),
        readyPattern: /dep-stuck: (STATUS_CREATING)/,
      },
    );
    const sent = Date.now();
    process.kill(waiter.pid, signal);
    expect(await waiter.exit).toBe(exitCode);
    expect(Date.now() - sent).toBeLessThan(5_000);
    const output = waiter.output();
    expect(output).not.toContain(TOKEN);

    const suite = parseJunit(files.junit);
    const stuck = suite.testcase.find((c: { name: string }) => c.name === "dep-stuck");
    expect(stuck.failure).toMatchObject({
      type: "cancelled",
      message: "cancelled: the run was cancelled; last status STATUS_CREATING",
    });
    expect(suite.testcase.find((c: { name: string }) => c.name === "dep-ready")).not.toHaveProperty(
      "failure",
    );
    expect(readFileSync(files.summary, "utf8")).toMatch(
      new RegExp(
        `^### coreweave-inference wait: ⏹️ cancelled \\(${signal}\\): 1 cancelled, 1 ready$`,
        "m",
      ),
    );
    const json = JSON.parse(output.slice(output.indexOf("{\n"), output.lastIndexOf("\n}") + 2));
    expect(json).toMatchObject({ outcome: "cancelled", ready: false, cancelled: signal });
    expect(json.deployments).toEqual([
      expect.objectContaining({ deploymentId: "dep-ready", outcome: "ready" }),
      expect.objectContaining({
        deploymentId: "dep-stuck",
        outcome: "cancelled",
        cancelledBy: "run",
        status: "STATUS_CREATING",
        polls: expect.any(Number),
      }),
    ]);
    expect(json.deployments[1].polls).toBeGreaterThanOrEqual(1);
    expect(output).toMatch(/^::warning title=coreweave-inference wait%3A cancelled::/m);
    expect(output).not.toMatch(/^::error /m);
    expect(output).toContain(
      `coreweave-inference: wait cancelled (${signal}): not ready yet: dep-stuck`,
    );
  });
});

it("ends at once on a second signal, with the first one's exit code", async () => {
  creating("dep-stuck");
  const waiter = await launch(
    CLI[0],
    [...CLI.slice(1), "wait", "dep-stuck", "--interval", "200ms"],
    {
      cwd: repo,
      env: env(),
      readyPattern: /dep-stuck: (STATUS_CREATING)/,
    },
  );
  process.kill(waiter.pid, "SIGINT");
  process.kill(waiter.pid, "SIGINT");
  const sent = Date.now();
  expect(await waiter.exit).toBe(130);
  expect(Date.now() - sent).toBeLessThan(2_000);
});

describe("a parent that goes away", () => {
  /** The PIDs whose parent is `pid`, from /proc. */
  const childrenOf = (pid: number): number[] =>
    execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .map((line) => Number(line.trim()))
      .filter((child) => child > 0);
  const gone = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return /^\d+ \(.*\) [ZX] /.test(stat);
    } catch {
      return true;
    }
  };

  it.each([
    ["the shell of its CI step", (cli: string) => ["sh", ["-c", `${cli}; echo after`]] as const],
    ["npm (npx)", (cli: string) => ["npm", ["exec", "--yes", "--", "sh", "-c", cli]] as const],
    [
      "the shell of its CI step, above npx",
      (cli: string) =>
        ["sh", ["-c", `npm exec --yes -- sh -c ${quoted([cli])}; echo after`]] as const,
    ],
  ])("%s: it writes its report and stops polling within a second", async (_what, command) => {
    creating("dep-stuck");
    const files = reportFiles(_what.replace(/\W+/g, "-"));
    const cli = quoted([
      ...CLI,
      "wait",
      "dep-stuck",
      "--interval",
      "100ms",
      "--junit",
      files.junit,
    ]);
    const [program, args] = command(cli);
    const parent = await launch(program, [...args], {
      cwd: repo,
      env: env(),
      readyPattern: /dep-stuck: (STATUS_CREATING)/,
    });
    const waiter = (function find(pid: number): number | undefined {
      for (const child of childrenOf(pid)) {
        if (readFileSync(`/proc/${child}/cmdline`, "utf8").includes("main.ts")) return child;
        const below = find(child);
        if (below !== undefined) return below;
      }
      return undefined;
    })(parent.pid);
    expect(waiter).toBeDefined();
    process.kill(parent.pid, "SIGKILL");
    const killed = Date.now();
    await eventually("the waiter has ended", () => gone(waiter!), 5_000);
    const late = requestsFor("dep-stuck").filter((e) => Date.parse(e.time) > killed + 1_000);
    expect(late).toEqual([]);
    const suite = parseJunit(files.junit);
    expect(suite.testcase.failure).toMatchObject({ type: "cancelled" });
    expect(suite.testcase.failure["#text"]).toMatch(/its parent process \d+ .* is gone/);
    // Nothing is polled once it has ended.
    const count = requestsFor("dep-stuck").length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(requestsFor("dep-stuck")).toHaveLength(count);
  });
});

it("takes Ctrl-C to the whole group under npx as the one cancellation it is", async () => {
  creating("dep-stuck");
  const files = reportFiles("group-sigint");
  const cli = quoted([...CLI, "wait", "dep-stuck", "--interval", "100ms", "--junit", files.junit]);
  // npm, its shell and the waiter in one process group, as a terminal's Ctrl-C reaches them.
  const npx = await launch("npm", ["exec", "--yes", "--", "sh", "-c", cli], {
    cwd: repo,
    env: env(),
    readyPattern: /dep-stuck: (STATUS_CREATING)/,
  });
  process.kill(-npx.pid, "SIGINT");
  const written = () => {
    try {
      return parseJunit(files.junit).testcase.failure !== undefined;
    } catch {
      return false;
    }
  };
  await eventually("the report is written", written, 5_000);
  // The parents die of it too: that is no second cancellation, and the reason stays the signal.
  expect(parseJunit(files.junit).testcase.failure["#text"]).toContain("(SIGINT)");
});

it("ends a wait for 100 deployments against a dead endpoint by its --timeout, exiting 3", async () => {
  const ids = Array.from({ length: 100 }, (_, i) => `dep-${i}`);
  const started = Date.now();
  const result = spawnSync(CLI[0], [...CLI.slice(1), "wait", ...ids, "--timeout", "10s"], {
    env: env({ COREWEAVE_API_ENDPOINT: await closedPortUrl() }),
    encoding: "utf8",
    timeout: 60_000,
  });
  const elapsed = Date.now() - started;
  expect(result.status).toBe(3);
  expect(elapsed).toBeLessThan(12_000);
  expect(result.stderr).toMatch(
    /"dep-99" could not be read in \d+ polls? over 1\ds \(timeout 10s\)/,
  );
});

describe("the live table on a real terminal", () => {
  const tmuxDir = () => join(scratch, "tmux");
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", "cw-cli-test", ...args], {
      encoding: "utf8",
      env: { ...process.env, TMUX_TMPDIR: tmuxDir() },
    });
  afterEach(() => {
    try {
      tmux("kill-server");
    } catch {
      // not running
    }
  });

  it("never scrolls a redraw into the scrollback, and redraws to a new size", async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `live-${String(i).padStart(2, "0")}`);
    ids.forEach((id, i) =>
      i % 3 === 0 ? creating(id) : emulator.setDeployment(id, deploymentFixture(id)),
    );
    execFileSync("mkdir", ["-p", tmuxDir()]);
    const command = quoted([...CLI, "wait", ...ids, "--interval", "200ms", "--timeout", "20s"]);
    const variables = Object.entries(env())
      .filter(([, value]) => value !== undefined)
      .flatMap(([name, value]) => ["-e", `${name}=${value}`]);
    tmux("new-session", "-d", "-x", "100", "-y", "20", ...variables, `${command}; sleep 60`);
    const screen = () => tmux("capture-pane", "-p", "-S", "-", "-E", "-");
    await eventually("the table is drawn", () => screen().includes("live-00"), 15_000);
    // Several redraws: every second, and on each of the many answers.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const all = screen();
    expect(all.split("\n").filter((line) => line.startsWith("live-00"))).toHaveLength(1);
    const tableLines = all.split("\n").filter((line) => /^live-\d\d |^… \d+ more/.test(line));
    expect(tableLines.length).toBeLessThanOrEqual(19);
    expect(all).toMatch(/^… \d+ more: \d+ ready$/m);
    // The ones not ready come first.
    expect(tableLines[0]).toMatch(/^live-00 +STATUS_CREATING/);

    tmux("resize-window", "-x", "100", "-y", "10");
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const visible = tmux("capture-pane", "-p").split("\n");
    const drawn = visible.filter((line) => /^live-\d\d |^… \d+ more/.test(line));
    expect(drawn.length).toBeLessThanOrEqual(9);
    expect(drawn.length).toBeGreaterThanOrEqual(5);
    expect(new Set(drawn).size).toBe(drawn.length);
    expect(drawn[drawn.length - 1]).toMatch(/^… \d+ more/);
  }, 60_000);
});
