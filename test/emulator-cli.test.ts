/**
 * The emulator CLI as users start it: its output and arguments, and that it never outlives whoever
 * launched it: `npm run emulator`, `startEmulatorProcess` and `npm run demo`. (`npx` of the
 * installed package: test/package.test.ts.)
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { request } from "undici";
import { LISTENING_LINE_PREFIX } from "../src/testing";
import { launcherChain, type ProcessTable } from "../src/testing/emulator-launcher-watch";
import {
  eventually,
  groupAlive,
  isListening,
  killLaunched,
  launch,
} from "./support/launched-processes";

const repo = join(__dirname, "..");
const TOKEN = "test-token-123";
const LISTENING = /listening on (http:\/\/\S+)/;

/** The environment of this test run, without emulator settings that would change what starts. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of Object.keys(env)) {
    if (name.startsWith("COREWEAVE_EMULATOR_") && !(name in extra)) delete env[name];
  }
  return env;
}

const cliArgs = (...args: string[]): string[] => [
  "--require",
  require.resolve("tsx/cjs"),
  join(repo, "src/testing/emulator-cli.ts"),
  ...args,
];

async function getStatus(url: string, token = TOKEN): Promise<number> {
  const response = await request(`${url}/v1alpha1/inference/deployments/demo-ready`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.body.dump();
  return response.statusCode;
}

afterEach(killLaunched);

describe("emulator CLI", () => {
  it("prints the listening line, serves with the token from its environment, exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, cliArgs("--port", "0"), {
      env: cleanEnv({ COREWEAVE_EMULATOR_TOKEN: TOKEN }),
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    try {
      let stdout = "";
      const lines = await new Promise<string[]>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString("utf8");
          const complete = stdout.split("\n");
          if (complete.length > 2) resolve(complete.slice(0, 2));
        });
        child.once("close", () => reject(new Error(`CLI exited early: ${stdout}`)));
      });
      expect(lines[0]).toMatch(
        /^CoreWeave Inference API emulator listening on http:\/\/127\.0\.0\.1:\d+$/,
      );
      expect(lines[0].startsWith(LISTENING_LINE_PREFIX)).toBe(true);
      const url = lines[0].slice(LISTENING_LINE_PREFIX.length);
      // A custom token is not echoed, only where it came from.
      expect(lines[1]).toBe(
        `Use it with COREWEAVE_API_ENDPOINT=${url} COREWEAVE_API_TOKEN=<value of COREWEAVE_EMULATOR_TOKEN> ` +
          "(demo deployments: demo-ready, demo-creating, demo-failed, demo-rollout)",
      );
      expect(await getStatus(url)).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it.each(["SIGINT", "SIGHUP"] as const)("closes its port and exits 0 on %s", async (signal) => {
    const emulator = await launch(process.execPath, cliArgs(), {
      cwd: repo,
      env: cleanEnv(),
      readyPattern: LISTENING,
    });
    process.kill(emulator.pid, signal);
    expect(await emulator.exit).toBe(0);
    expect(await isListening(emulator.ready)).toBe(false);
  });

  it("delays every answer by --latency-ms (or COREWEAVE_EMULATOR_LATENCY_MS)", async () => {
    for (const [args, env] of [
      [["--latency-ms", "80"], {}],
      [[], { COREWEAVE_EMULATOR_LATENCY_MS: "80" }],
    ] as const) {
      const emulator = await launch(process.execPath, cliArgs(...args), {
        cwd: repo,
        env: cleanEnv({ COREWEAVE_EMULATOR_TOKEN: TOKEN, ...env }),
        readyPattern: LISTENING,
      });
      expect(emulator.output()).toMatch(/; 80 ms latency\)/);
      const started = performance.now();
      expect(await getStatus(emulator.ready)).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(75);
      killLaunched();
    }
  });

  it.each([
    ["--port", "nope", '--port must be an integer from 0 to 65535, got "nope"'],
    ["--latency-ms", "-5", '--latency-ms must be a non-negative number of milliseconds, got "-5"'],
    [
      "--latency-ms",
      "9999999999",
      "--latency-ms must be a number of milliseconds from 0 to 2147483647, got 9999999999",
    ],
  ])("exits 2 with one line on stderr for %s %s", (flag, value, message) => {
    const result = spawnSync(process.execPath, cliArgs(flag, value), {
      encoding: "utf8",
      env: cleanEnv(),
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      `coreweave emulator: ${message} (see --help)`,
    ]);
  });
});

describe("launcherChain", () => {
  /** A process table from `pid: [ppid, command]`. */
  const table = (processes: Record<number, [number, string]>): ProcessTable => ({
    parentOf: (pid) => processes[pid]?.[0],
    commandOf: (pid) => processes[pid]?.[1],
  });

  it("watches everything up to the npm that launched the emulator, and not above", () => {
    const npmRun = table({
      50: [40, "node --require preflight.cjs emulator-cli.ts"],
      40: [30, "node node_modules/.bin/tsx emulator-cli.ts"],
      30: [20, "sh -c tsx emulator-cli.ts"],
      20: [10, "npm run emulator"],
      10: [1, "bash"],
    });
    expect(launcherChain(npmRun, 50)).toEqual([40, 30, 20]);
    const npmCli = table({
      50: [30, "node emulator-cli.js"],
      30: [20, "sh -c coreweave-inference-emulator"],
      20: [10, "node /usr/lib/node_modules/npm/bin/npm-cli.js exec coreweave-inference-emulator"],
    });
    expect(launcherChain(npmCli, 50)).toEqual([30, 20]);
  });

  it("watches only the direct parent when no npm is above, and never init", () => {
    const direct = table({ 50: [40, "node test.js"], 40: [30, "bash"], 30: [1, "sshd"] });
    expect(launcherChain(direct, 50)).toEqual([40]);
    expect(launcherChain(table({ 50: [1, "init"] }), 50)).toEqual([]);
    // A command that merely mentions npm is not npm.
    const lookalike = table({ 50: [40, "node my-npm-tool.js"], 40: [1, "bash"] });
    expect(launcherChain(lookalike, 50)).toEqual([40]);
  });
});

/**
 * npm forwards SIGTERM to the `sh -c` it runs the script in, and that shell dies without passing
 * it on: before the fix, the emulator below it was orphaned and kept listening.
 */
describe("the emulator never outlives its launcher", () => {
  it.each(["SIGTERM", "SIGKILL"] as const)(
    "npm run emulator: %s to npm stops it within seconds",
    async (signal) => {
      const npm = await launch("npm", ["run", "emulator"], {
        cwd: repo,
        env: cleanEnv(),
        readyPattern: LISTENING,
      });
      expect(await isListening(npm.ready)).toBe(true);
      process.kill(npm.pid, signal);
      await eventually(
        "the emulator's port closed",
        async () => !(await isListening(npm.ready)),
        5_000,
      );
      // npm, its shell, tsx and the emulator: every process of the launch.
      await eventually(
        "every process of `npm run emulator` exited",
        () => !groupAlive(npm.pid),
        5_000,
      );
    },
  );

  it("startEmulatorProcess: the emulator stops when the process that started it is killed", async () => {
    // A test process that dies hard (SIGKILL, OOM) runs no exit hook: the emulator must notice.
    const script =
      'require("./src/testing").startEmulatorProcess().then((e) => console.log("started " + e.url));' +
      "setInterval(() => {}, 1000);";
    const parent = await launch(process.execPath, ["--require", "tsx/cjs", "-e", script], {
      cwd: repo,
      env: cleanEnv(),
      readyPattern: /started (http:\/\/\S+)/,
    });
    expect(await isListening(parent.ready)).toBe(true);
    process.kill(parent.pid, "SIGKILL");
    await eventually(
      "the emulator's port closed",
      async () => !(await isListening(parent.ready)),
      5_000,
    );
    await eventually("the emulator exited", () => !groupAlive(parent.pid), 5_000);
  });
});

describe("npm run demo", () => {
  const startDemo = () =>
    launch("npm", ["run", "demo"], {
      cwd: repo,
      env: cleanEnv(),
      readyPattern: /^Emulator: (http:\/\/\S+)$/m,
      timeoutMs: 60_000,
    });

  it("Ctrl-C stops the demo and its emulator at once", async () => {
    const demo = await startDemo();
    expect(await isListening(demo.ready)).toBe(true);
    process.kill(-demo.pid, "SIGINT"); // what a terminal sends to the foreground process group
    await eventually(
      "the emulator's port closed",
      async () => !(await isListening(demo.ready)),
      5_000,
    );
    await eventually("every process of the demo exited", () => !groupAlive(demo.pid), 15_000);
  });

  it("killing npm closes the emulator within seconds, and the rest of the demo ends", async () => {
    const demo = await startDemo();
    expect(await isListening(demo.ready)).toBe(true);
    process.kill(demo.pid, "SIGTERM");
    await eventually(
      "the emulator's port closed",
      async () => !(await isListening(demo.ready)),
      5_000,
    );
    // The orphaned script only notices when its current plan fails to reach the emulator.
    await eventually("every process of the demo exited", () => !groupAlive(demo.pid), 60_000);
  });
});
