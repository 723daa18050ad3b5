/**
 * The emulator CLI as users start it: its output, arguments and fixtures files (the example one,
 * what `coreweave-inference get --json` recorded, and those the client would refuse), that it
 * never outlives whoever launched it (`npm run emulator`, `startEmulatorProcess` and
 * `npm run demo`), and that with `--detach` it outlives the CI step that started it until told
 * to stop. (`npx` of the installed package: test/package.test.ts.)
 */
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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
import { launcherChain, procfsTable, type ProcessTable } from "../src/cli/launcher-watch";
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
    [
      "--pid-file",
      "emulator.pid",
      "--pid-file goes with --detach: add --detach to run the emulator in the background",
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
    expect(result.stdout).toMatch(/^ +--detach +run in the background/m);
    expect(result.stdout).toMatch(/^ +--pid-file FILE +with --detach/m);
    expect(result.stdout).toContain("--detach --pid-file emulator.pid > emulator.out\n");
    expect(result.stdout).toContain("URL=$(head -1 emulator.out | sed");
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

  it("shows a CI job that starts it detached in one step and stops it in a later one", () => {
    const page = readFileSync(join(repo, "docs", "emulator.md"), "utf8");
    for (const ci of ["GitHub Actions", "GitLab"]) {
      const [, block] = new RegExp(`${ci}[^\n]*\n+\`\`\`yaml\n([^]*?)\`\`\``).exec(page) ?? [];
      expect({ ci, block }).toEqual({
        ci,
        block: expect.stringContaining("--detach --pid-file emulator.pid"),
      });
      expect(block).toContain("kill $(cat emulator.pid)");
    }
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

  /** `deploymentFixture(id)`'s deployment with `spec` changed by `change`. */
  const withSpec = (id: string, change: (spec: Record<string, unknown>) => void) => {
    const { deployment } = deploymentFixture(id);
    change(deployment.spec);
    return { deployment };
  };

  it.each([
    [
      "an unknown field",
      { "dep-1": { ...deploymentFixture("dep-1"), readyness: {} } },
      `fixtures file {file}: deployments["dep-1"] has unknown field "readyness" (allowed: deployment and readiness, or steps)`,
    ],
    [
      "steps beside a deployment",
      { "dep-1": { steps: [deploymentFixture("dep-1")], deployment: {} } },
      `fixtures file {file}: deployments["dep-1"] has both "steps" and "deployment" (allowed: deployment and readiness, or steps)`,
    ],
    [
      "a spec.id that is not its key",
      { "dep-1": deploymentFixture("dep-2") },
      'fixtures file {file}: deployments["dep-1"].deployment.spec.id is "dep-2", not the key "dep-1": ' +
        "the client refuses an answer about another deployment",
    ],
    [
      "no spec.id",
      { "dep-1": withSpec("dep-1", (spec) => delete spec.id) },
      'fixtures file {file}: deployments["dep-1"].deployment.spec.id is required (string)',
    ],
    [
      'a status without "STATUS_"',
      { "dep-1": deploymentFixture("dep-1", { status: "READY" }) },
      'fixtures file {file}: deployments["dep-1"].deployment.status.status is "READY", not a status ' +
        'the API sends (write "STATUS_READY"): it sends STATUS_CREATING, STATUS_READY, STATUS_UPDATING, ' +
        'STATUS_DELETING, STATUS_ERROR, STATUS_FAILED; a client never counts "READY" as ready or failed, ' +
        "so a wait on it runs to its timeout",
    ],
    [
      "a step the API schema refuses",
      {
        "dep-1": {
          steps: [
            { ...deploymentFixture("dep-1", { status: "STATUS_CREATING" }), requests: 1 },
            withSpec("dep-1", (spec) => (spec.gatewayIds = "gw-1")),
          ],
        },
      },
      'fixtures file {file}: deployments["dep-1"].steps[1].deployment.spec.gatewayIds must be array, got string',
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

  it("serves what the API may send: a STATUS_* name the client does not know yet, no status at all", async () => {
    const unknown = deploymentFixture("dep-new", { status: "STATUS_PAUSED" });
    const silent = deploymentFixture("dep-silent");
    delete silent.deployment.status;
    const { ready: url } = await serve(
      fixturesFile("good.json", { "dep-new": unknown, "dep-silent": silent }),
    );
    expect(await statusOf(url, "dep-new")).toBe("STATUS_PAUSED");
    expect(await statusOf(url, "dep-silent")).toBe("STATUS_UNSPECIFIED");
  });
});

/**
 * `--detach`, as a CI step runs it: from a shell that exits at the end of the step. Each server
 * it starts names a file of this block's folder on its command line (its pid file), so that
 * whatever a test did, none outlives the tests.
 */
describe("emulator CLI --detach", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cw-emulator-detach-"));
  });
  afterEach(() => {
    for (const pid of serversOf(dir)) process.kill(pid, "SIGKILL");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Running processes (zombies are not) whose command line holds `text`. */
  const serversOf = (text: string): number[] =>
    readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
      .map(Number)
      .filter(
        (pid) =>
          procfsTable.parentOf(pid) !== undefined && procfsTable.commandOf(pid)?.includes(text),
      );

  /**
   * Runs `script` in a shell, as a CI step does, with the emulator's command line as "$@"; the
   * shell outlives the command, so that the emulator has a launcher that then exits.
   */
  const step = (shell: string[], script: string, ...args: string[]) =>
    spawnSync(
      shell[0],
      [...shell.slice(1), "-c", script, "step", process.execPath, ...cliArgs(...args)],
      {
        encoding: "utf8",
        env: cleanEnv({ COREWEAVE_EMULATOR_TOKEN: TOKEN }),
        timeout: 30_000,
      },
    );

  it("outlives the shell that started it, serves until SIGTERM, then removes its pid file", async () => {
    const pidFile = join(dir, "emulator.pid");
    const started = step(["sh"], '"$@"; exit $?', "--detach", "--pid-file", pidFile);
    expect({ status: started.status, stderr: started.stderr }).toEqual({ status: 0, stderr: "" });
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    const lines = started.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^CoreWeave Inference API emulator listening on http:\/\/127\.0\.0\.1:\d+$/,
    );
    const url = lines[0].slice(LISTENING_LINE_PREFIX.length);
    expect(lines.slice(1)).toEqual([
      `Use it with COREWEAVE_API_ENDPOINT=${url} COREWEAVE_API_TOKEN=<value of COREWEAVE_EMULATOR_TOKEN> ` +
        "(demo deployments: demo-ready, demo-creating, demo-failed, demo-rollout)",
      `Running in the background as process ${pid}: stop it with kill ${pid}`,
      "",
    ]);

    // Its launcher (the shell) is gone: long enough for a launcher watch to have stopped it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await getStatus(url)).toBe(200);
    const put = await request(`${url}/_emulator/deployments/dep-ci`, {
      method: "PUT",
      body: JSON.stringify(deploymentFixture("dep-ci", { status: "STATUS_CREATING" })),
    });
    expect(put.statusCode).toBe(200);
    await put.body.dump();
    const got = await request(`${url}/v1alpha1/inference/deployments/dep-ci`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect((await got.body.json()) as unknown).toEqual(
      deploymentFixture("dep-ci", { status: "STATUS_CREATING" }),
    );
    const log = await request(`${url}/_emulator/requests`);
    expect(((await log.body.json()) as { requests: unknown[] }).requests).toHaveLength(2);

    process.kill(pid, "SIGTERM");
    await eventually("its port closed", async () => !(await isListening(url)), 5_000);
    await eventually("its pid file removed", () => !existsSync(pidFile), 5_000);
    await eventually("it exited", () => procfsTable.parentOf(pid) === undefined, 5_000);
  });

  it("gives a script its URL through `head -1 | sed`, and runs without a pid file", async () => {
    // In this block's folder, so that the clean-up finds the server by its command line.
    const fixtures = join(dir, "fixtures.json");
    copyFileSync(join(repo, "examples/emulator/fixtures.json"), fixtures);
    const started = step(
      ["bash", "-o", "pipefail"],
      `"$@" | head -1 | sed 's/.* on //'`,
      "--detach",
      "--fixtures",
      fixtures,
    );
    expect({ status: started.status, stderr: started.stderr }).toEqual({ status: 0, stderr: "" });
    expect(started.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\n$/);
    const url = started.stdout.trim();
    const response = await request(`${url}/v1alpha1/inference/deployments/dep-llama-70b-prod`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
  });

  it("refuses a bad fixtures file before it detaches: exit 2, one line, no process, no pid file", () => {
    const pidFile = join(dir, "refused.pid");
    const fixtures = join(dir, "refused.json");
    writeFileSync(fixtures, JSON.stringify({ "dep-1": deploymentFixture("dep-2") }));
    const result = step(
      ["sh"],
      '"$@"; exit $?',
      "--detach",
      "--fixtures",
      fixtures,
      "--pid-file",
      pidFile,
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      `coreweave emulator: fixtures file ${fixtures}: deployments["dep-1"].deployment.spec.id is "dep-2", ` +
        'not the key "dep-1": the client refuses an answer about another deployment (see --help)',
    ]);
    expect(existsSync(pidFile)).toBe(false);
    expect(serversOf(dir)).toEqual([]);
  });

  it("refuses a pid file it cannot write before it detaches: exit 2, one line", () => {
    const pidFile = join(dir, "no-such-folder", "emulator.pid");
    const result = step(["sh"], '"$@"; exit $?', "--detach", "--pid-file", pidFile);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        new RegExp(
          `^coreweave emulator: cannot write pid file ${pidFile}: ENOENT: .* \\(see --help\\)$`,
        ),
      ),
    ]);
    expect(serversOf(dir)).toEqual([]);
  });

  it("exits 1 with the server's one line when it cannot listen, leaving no process or pid file", async () => {
    const busy = new CoreweaveEmulator();
    const url = await busy.start();
    try {
      const pidFile = join(dir, "busy.pid");
      const { port } = new URL(url);
      const result = step(
        ["sh"],
        '"$@"; exit $?',
        "--detach",
        "--port",
        port,
        "--pid-file",
        pidFile,
      );
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr.trim().split("\n")).toEqual([
        `coreweave emulator: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      ]);
      expect(existsSync(pidFile)).toBe(false);
      expect(serversOf(dir)).toEqual([]);
    } finally {
      await busy.stop();
    }
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
