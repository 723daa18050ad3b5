/**
 * The emulator CLI as users start it: its output, arguments and fixtures files (the example one,
 * and what `coreweave-inference get --json` recorded), and that it never outlives whoever
 * launched it: `npm run emulator`, `startEmulatorProcess` and `npm run demo`. (`npx` of the
 * installed package: test/package.test.ts.)
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { runCli } from "../src/cli/main";
import {
  CoreweaveEmulator,
  deploymentFixture,
  LISTENING_LINE_PREFIX,
  type Scenario,
} from "../src/testing";
import { CONTROL_ROUTES } from "../src/testing/emulator";
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
    // The pipeline CLI's parser: the same words for the same mistakes.
    ["--colour", "red", "Unknown option '--colour'"],
    ["--port", "", '--port must be an integer from 0 to 65535, got ""'],
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

describe("emulator CLI --help", () => {
  it("summarizes the fixtures format and lists every control API route", () => {
    const result = spawnSync(process.execPath, cliArgs("--help"), {
      encoding: "utf8",
      env: cleanEnv(),
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain('Fixtures file: a JSON object { "<id>": scenario, ... }');
    expect(result.stdout).toMatch(/get <id> --json.*"readiness" is ignored/);
    expect(result.stdout).toContain('{"steps": [{"deployment": {...}, "requests": 2}');
    for (const { method, path } of CONTROL_ROUTES) {
      expect(result.stdout).toMatch(
        new RegExp(`^ +${method} +${path.replace(/[{}]/g, "\\$&")} `, "m"),
      );
    }
  });

  it("is what docs/emulator.md details, with a curl example per control API route", () => {
    const page = readFileSync(join(repo, "docs", "emulator.md"), "utf8");
    const curls = page.split("\n").filter((line) => line.startsWith("curl "));
    for (const { method, path } of CONTROL_ROUTES) {
      const route = new RegExp(`\\$URL${path.replace("{id}", "[^\\s/]+")}(\\s|$)`);
      // curl sends GET unless told otherwise.
      const flag = method === "GET" ? /^(?!.* -X )/ : new RegExp(` -X ${method} `);
      const example = curls.find((line) => route.test(line) && flag.test(line));
      expect({ method, path, example }).toEqual({ method, path, example: expect.any(String) });
    }
    expect(page).toContain("(../examples/emulator/fixtures.json)");
  });
});

describe("fixtures files", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cw-emulator-fixtures-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes `content` as JSON to a file of the temp folder; returns its path. */
  const fixturesFile = (name: string, content: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(content));
    return file;
  };

  /** Starts the emulator CLI serving `file`; `ready` is its URL. */
  const serve = (file: string) =>
    launch(process.execPath, cliArgs("--fixtures", file), {
      cwd: repo,
      env: cleanEnv({ COREWEAVE_EMULATOR_TOKEN: TOKEN }),
      readyPattern: LISTENING,
    });

  /** What the real pipeline CLI prints for `get <id> --json` against `url`. */
  const getJson = async (url: string, id: string): Promise<string> => {
    let stdout = "";
    let stderr = "";
    const code = await runCli(["get", id, "--json"], {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env: { COREWEAVE_API_ENDPOINT: url, COREWEAVE_API_TOKEN: TOKEN },
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    return stdout;
  };

  const statusOf = async (url: string, id: string): Promise<string> =>
    JSON.parse(await getJson(url, id)).deployment.status.status;

  it("serves examples/emulator/fixtures.json: READY, CREATING, FAILED and a rollout", async () => {
    const file = join(repo, "examples/emulator/fixtures.json");
    const emulator = await serve(file);
    expect(emulator.output()).toContain(`(4 deployment(s) from ${file})`);
    const url = emulator.ready;
    const prod = JSON.parse(await getJson(url, "dep-llama-70b-prod"));
    expect(prod.readiness).toEqual({ ready: true, blockers: [] });
    expect(await statusOf(url, "dep-mistral-7b-staging")).toBe("STATUS_CREATING");
    expect(await statusOf(url, "dep-qwen-32b-canary")).toBe("STATUS_FAILED");
    const rollout = [];
    for (let i = 0; i < 4; i++) rollout.push(await statusOf(url, "dep-mistral-7b-rollout"));
    expect(rollout).toEqual([
      "STATUS_CREATING",
      "STATUS_CREATING",
      "STATUS_CREATING",
      "STATUS_READY",
    ]);
  });

  it("replays what `coreweave-inference get --json` recorded, as a scenario or a step", async () => {
    const recording = new CoreweaveEmulator({
      token: TOKEN,
      deployments: { "dep-rec": deploymentFixture("dep-rec", { status: "STATUS_CREATING" }) },
    });
    const recordingUrl = await recording.start();
    let creating: string;
    let ready: string;
    try {
      creating = await getJson(recordingUrl, "dep-rec");
      recording.setDeployment("dep-rec", deploymentFixture("dep-rec"));
      ready = await getJson(recordingUrl, "dep-rec");
    } finally {
      await recording.stop();
    }
    expect(JSON.parse(creating).readiness.ready).toBe(false);

    const file = fixturesFile("recorded.json", { "dep-rec": JSON.parse(creating) });
    const { ready: url } = await serve(file);
    expect(await getJson(url, "dep-rec")).toBe(creating);
    const raw = await request(`${url}/v1alpha1/inference/deployments/dep-rec`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await raw.body.json()).toEqual({ deployment: JSON.parse(creating).deployment });
    // The control API takes the same scenarios, and steps take recordings too.
    const rollout: Scenario = {
      steps: [{ ...JSON.parse(creating), requests: 1 }, JSON.parse(ready)],
    };
    const put = await request(`${url}/_emulator/deployments/dep-rec`, {
      method: "PUT",
      body: JSON.stringify(rollout),
    });
    expect(put.statusCode).toBe(200);
    await put.body.dump();
    expect(await getJson(url, "dep-rec")).toBe(creating);
    expect(await getJson(url, "dep-rec")).toBe(ready);
  });

  it.each([
    [
      "an unknown field",
      { "dep-1": { ...deploymentFixture("dep-1"), readyness: {} } },
      `fixtures file {file}: deployments["dep-1"] has unknown field "readyness" (allowed: deployment, readiness)`,
    ],
    [
      "one deployment instead of an object of them",
      { ...deploymentFixture("dep-1"), readiness: { ready: true, blockers: [] } },
      'fixtures file {file} holds one deployment, not { "<id>": scenario }: ' +
        'write it as { "dep-1": <what it holds now> }',
    ],
  ])("refuses a file with %s: one line naming it, exit code 2", (_, content, message) => {
    const file = fixturesFile("bad.json", content);
    const result = spawnSync(process.execPath, cliArgs("--fixtures", file), {
      encoding: "utf8",
      env: cleanEnv(),
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      `coreweave emulator: ${message.replace("{file}", file)} (see --help)`,
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
