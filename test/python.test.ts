/**
 * Python apps, as Python users write and run them: the wheels that `npm run package:python`
 * builds, installed in a fresh virtual environment per CDK library with that library from PyPI,
 * real apps synthesized against the emulator (the npm package's, in its own process), and real
 * `terraform plan`s. What a Python app sees is compared with what the TypeScript constructs give
 * for the same deployment.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Testing, TerraformStack } from "cdktf";
import { CoreweaveDeploymentData, DeploymentReadinessGate } from "../src";
import { CoreweaveInferenceClient } from "../src/client";
import {
  deploymentFixture,
  type EmulatorProcess,
  InMemoryDeploymentSource,
  startEmulatorProcess,
} from "../src/testing";
import { checkApi, LIBRARIES, packageDir } from "../scripts/package-python";
import { walk } from "./support/files";
import { offlineTerraformEnv, requireTerraform, run, terraform } from "./support/terraform";

const execFileAsync = promisify(execFile);
const repo = join(__dirname, "..");
const TOKEN = "cw-python-secret-4a1f9e62";

const creating = deploymentFixture("dep-creating", {
  status: "STATUS_CREATING",
  conditions: [{ type: "Ready", status: "False", reason: "ModelLoading", message: "weights" }],
});
const failed = deploymentFixture("dep-failed", {
  status: "STATUS_FAILED",
  conditions: [{ type: "Ready", status: "False", reason: "ImagePullBackOff", message: "pull" }],
});
const noModel = deploymentFixture("dep-nomodel");
delete (noModel.deployment.spec as { model?: unknown }).model;
const FIXTURES = {
  "dep-abc123": deploymentFixture("dep-abc123"),
  "dep-creating": creating,
  "dep-failed": failed,
  "dep-nomodel": noModel,
};

let scratch: string;
let wheels: string;
let emulator: EmulatorProcess;

beforeAll(async () => {
  requireTerraform();
  scratch = mkdtempSync(join(tmpdir(), "cw-python-"));
  wheels = join(scratch, "wheels");
  // The wheels as a user builds them, and the check that the API reference matches the code.
  await execFileAsync(
    process.execPath,
    [
      "--require",
      "tsx/cjs",
      join(repo, "scripts", "package-python.ts"),
      "--out",
      wheels,
      "--check-docs",
    ],
    { cwd: repo, maxBuffer: 64 * 1024 * 1024 },
  );
  emulator = await startEmulatorProcess({
    token: TOKEN,
    deployments: {
      ...FIXTURES,
      // CREATING for two answers, then READY: a wait sees both.
      ...Object.fromEntries(
        LIBRARIES.map(({ name }) => [
          `dep-rollout-${name}`,
          {
            steps: [
              {
                ...deploymentFixture(`dep-rollout-${name}`, { status: "STATUS_CREATING" }),
                requests: 2,
              },
              deploymentFixture(`dep-rollout-${name}`),
            ],
          },
        ]),
      ),
    },
  });
}, 300_000);

afterAll(async () => {
  await emulator?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

it("guards the jsii API: an output removed from the accepted API fails the build", () => {
  const [library] = LIBRARIES;
  const accepted = JSON.parse(readFileSync(join(repo, "jsii", `${library.name}.jsii`), "utf8"));
  const type = accepted.types[`${library.name}-coreweave-inference.CoreweaveDeploymentData`];
  // As if the last accepted API had an output that this code no longer has.
  type.properties.push({ ...type.properties[0], name: "legacyOutput" });
  const tampered = join(scratch, "tampered.jsii");
  writeFileSync(tampered, JSON.stringify(accepted));
  expect(() => checkApi(library, packageDir(library), tampered)).toThrow(
    /cdktn-coreweave-inference: the API changed in a way that breaks its users/,
  );
  // And the accepted API as committed passes.
  expect(() => checkApi(library, packageDir(library))).not.toThrow();
});

/** snake_case, as jsii names members and struct fields in Python. */
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A TypeScript value as the Python app prints it: keys in snake_case, maps' keys as they are. */
function asPython(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => asPython(item));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([k, item]) => [key === "engine_config" ? k : snake(k), asPython(item, snake(k))]),
    );
  }
  return value;
}

/** The TypeScript constructs on the same fixture: their outputs and synthesized stack. */
function typescriptSide(deploymentId: keyof typeof FIXTURES) {
  const app = Testing.app();
  const stack = new TerraformStack(app, "serving");
  const source = new InMemoryDeploymentSource({ [deploymentId]: FIXTURES[deploymentId] });
  const data = new CoreweaveDeploymentData(stack, "llama", { deploymentId, source });
  const gate = new DeploymentReadinessGate(stack, "llama-ready", { deployment: data });
  return { data, gate, stack: JSON.parse(Testing.synth(stack)) as SynthesizedStack };
}

interface SynthesizedStack {
  resource: {
    terraform_data: Record<
      string,
      {
        input: unknown;
        depends_on?: string[];
        lifecycle?: { precondition: { condition: string; error_message: string }[] };
      }
    >;
  };
}

/** The record and the gate of a synthesized stack, by the end of their construct path. */
function resources(stack: SynthesizedStack) {
  const all = Object.entries(stack.resource.terraform_data);
  const find = (suffix: string) =>
    all.find(([name]) => name.includes(suffix))?.[1] ?? fail(`no ${suffix} in the stack`);
  return { record: find("llama_record"), gate: find("llama-ready_gate"), all };
}

describe.each(LIBRARIES)("Python, $name $version", (library) => {
  let venv: string;
  let work: string;
  const python = () => join(venv, "bin", "python");
  /** The environment of a Python app: the emulator and the token, nothing of this process's. */
  const appEnv = (more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    LIBRARY: library.name,
    COREWEAVE_API_ENDPOINT: emulator.url,
    COREWEAVE_API_TOKEN: TOKEN,
    // jsii warns on every run that Node 20 is past its end of life; that is not the app's news.
    JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: "20",
    ...more,
  });
  /** Runs `script` with Python in a folder of its own; resolves its exit code and output. */
  const runApp = async (script: string, name: string, env: NodeJS.ProcessEnv) => {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    try {
      const { stdout, stderr } = await execFileAsync(python(), [script], { cwd: dir, env });
      return { code: 0, stdout, stderr, dir };
    } catch (error) {
      const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
      return { code, stdout, stderr, dir };
    }
  };
  const stackOf = (dir: string) =>
    JSON.parse(
      readFileSync(join(dir, "cdktf.out", "stacks", "serving", "cdk.tf.json"), "utf8"),
    ) as SynthesizedStack;
  /** `terraform plan` of the app's stack; its output on one line, without Terraform's frames. */
  const plan = (dir: string) => {
    const planned = terraform(
      join(dir, "cdktf.out", "stacks", "serving"),
      "plan",
      offlineTerraformEnv(),
    );
    return { code: planned.code, output: planned.output.replace(/\s*\n[│╷╵]?\s*/g, " ") };
  };
  const outputsApp = join(repo, "test", "python", "outputs_app.py");

  beforeAll(async () => {
    work = join(scratch, library.name);
    venv = join(work, "venv");
    mkdirSync(work, { recursive: true });
    await execFileAsync("python3", ["-m", "venv", venv]);
    const wheel = readdirSync(wheels).find((file) => file.startsWith(`${library.name}_`));
    // As the README tells users: the wheel and the CDK library, from PyPI; mypy to check apps.
    await execFileAsync(python(), [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--disable-pip-version-check",
      join(wheels, wheel ?? fail(`no ${library.name} wheel`)),
      `${library.name}==${library.version}`,
      "mypy",
    ]);
  }, 300_000);

  it("runs the README's example: it type-checks, synthesizes, and plans", async () => {
    const dir = join(work, "example");
    mkdirSync(dir, { recursive: true });
    const source = readFileSync(join(repo, "examples", "python", "main.py"), "utf8");
    // The cdktf edition of the example is the same app with the library's names.
    writeFileSync(
      join(dir, "main.py"),
      source.replace(/\bcdktn(_coreweave_inference)?\b/g, `${library.name}$1`),
    );
    const mypy = run(python(), ["-m", "mypy", "--strict", "main.py"], dir, appEnv());
    expect(mypy).toMatchObject({ code: 0 });
    expect(mypy.output).toContain("Success: no issues found");
    const app = await runApp(join(dir, "main.py"), "example", appEnv());
    expect(app.stderr).not.toMatch(/Traceback/);
    expect(app.code).toBe(0);
    const stack = stackOf(app.dir);
    const { gate, all } = resources(stack);
    const after = all.find(([name]) => name.includes("traffic-switch"))?.[1];
    // Outputs fed another construct's props as literals, and depends_on took the gate.
    expect(after?.input).toEqual({
      gateways: FIXTURES["dep-abc123"].deployment.spec.gatewayIds,
      model: FIXTURES["dep-abc123"].deployment.spec.model?.name,
    });
    expect(after?.depends_on).toEqual([
      expect.stringMatching(/^terraform_data\.llama-ready_gate_/),
    ]);
    expect(gate.lifecycle?.precondition).toHaveLength(2);
    const planned = plan(app.dir);
    expect(planned.output).toMatch(/Plan: 3 to add/);
    expect(planned.code).toBe(0);
  });

  it("gives every output the TypeScript construct gives, with the same value", async () => {
    const app = await runApp(outputsApp, "outputs", appEnv({ DEPLOYMENT_ID: "dep-abc123" }));
    expect(app.code).toBe(0);
    const outputs = JSON.parse(app.stdout) as Record<string, unknown>;
    const { data, gate, stack } = typescriptSide("dep-abc123");
    const expected = asPython({
      deploymentId: data.deploymentId,
      name: data.name,
      gatewayIds: data.gatewayIds,
      model: data.model,
      runtime: data.runtime,
      resources: data.resources,
      autoscaling: data.autoscaling,
      traffic: data.traffic,
      organizationId: data.organizationId,
      disabled: data.disabled,
      status: data.status,
      conditions: data.conditions,
      createdAt: data.createdAt,
      updatedAt: data.updatedAt,
      isReady: data.isReady,
      policy: data.policy,
      deployment: data.deployment,
      modelName: data.modelName,
      modelBucket: data.modelBucket,
      modelPath: data.modelPath,
      runtimeEngine: data.runtimeEngine,
      instanceType: data.instanceType,
      gpuCount: data.gpuCount,
      recordIsTerraformResource: true,
      gate: {
        verdict: gate.verdict,
        policy: gate.policy,
        maxAgeMs: gate.maxAgeMs,
        fqnIsTheResourceFqn: gate.fqn === gate.resource.fqn,
      },
    }) as Record<string, unknown>;
    const { observed_at: observedAt, ...rest } = outputs;
    expect(rest).toEqual(expected);
    expect(Date.now() - Date.parse(String(observedAt))).toBeLessThan(120_000);
    // The same resources, by the same names, and the record holds the same facts.
    const python = resources(stackOf(app.dir));
    const typescript = resources(stack);
    expect(python.record.input).toEqual(typescript.record.input);
    const names = (all: typeof python.all) =>
      all.map(([name]) => name).filter((name) => !name.startsWith("after"));
    expect(names(python.all)).toEqual(names(typescript.all));
  });

  it.each([["dep-creating"], ["dep-failed"]] as const)(
    "blocks the plan of %s with the TypeScript gate's message",
    async (deploymentId) => {
      const app = await runApp(outputsApp, deploymentId, appEnv({ DEPLOYMENT_ID: deploymentId }));
      expect(app.code).toBe(0);
      const [, readiness] = resources(stackOf(app.dir)).gate.lifecycle!.precondition;
      const [, expected] = resources(typescriptSide(deploymentId).stack).gate.lifecycle!
        .precondition;
      expect(readiness).toEqual(expected);
      const planned = plan(app.dir);
      expect(planned.code).not.toBe(0);
      expect(planned.output).toContain("Resource precondition failed");
      expect(planned.output).toContain(`CoreWeave deployment "${deploymentId}" is not ready`);
      expect(planned.output).toContain(
        `status is ${deploymentId === "dep-failed" ? "STATUS_FAILED" : "STATUS_CREATING"}; ready needs STATUS_READY`,
      );
    },
  );

  /** A lookup file holding dep-abc123, recorded `ageMs` ago (negative: in the future). */
  const lookupFile = (name: string, ageMs: number) => {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "coreweave-lookups.json");
    // Recorded by the CLI, as a pipeline does; then its time moved to the age the test needs.
    const cli = run(
      process.execPath,
      [
        "--require",
        "tsx/cjs",
        join(repo, "src", "cli", "main.ts"),
        "lookups",
        "record",
        "dep-abc123",
      ],
      repo,
      { ...appEnv(), COREWEAVE_LOOKUP_FILE: file },
    );
    expect(cli).toMatchObject({ code: 0 });
    const recorded = JSON.parse(readFileSync(file, "utf8"));
    recorded.deployments["dep-abc123"].recordedAt = new Date(Date.now() - ageMs).toISOString();
    writeFileSync(file, JSON.stringify(recorded));
    return file;
  };
  const replayEnv = (file: string) =>
    appEnv({
      COREWEAVE_LOOKUP_MODE: "replay",
      COREWEAVE_LOOKUP_FILE: file,
      COREWEAVE_API_TOKEN: "",
      DEPLOYMENT_ID: "dep-abc123",
    });

  it("replays a lookup file the CLI recorded, with no token, and plans", async () => {
    const file = lookupFile("replay", 60_000);
    const before = (await emulator.requestLog()).length;
    const app = await runApp(outputsApp, "replay", replayEnv(file));
    expect(app.stderr).not.toMatch(/Traceback/);
    expect(app.code).toBe(0);
    expect((await emulator.requestLog()).length).toBe(before);
    const planned = plan(app.dir);
    expect(planned.code).toBe(0);
  });

  it("records the lookup file in record mode, as TypeScript apps do", async () => {
    const file = join(work, "recorded.json");
    const app = await runApp(
      outputsApp,
      "record",
      appEnv({
        COREWEAVE_LOOKUP_MODE: "record",
        COREWEAVE_LOOKUP_FILE: file,
        DEPLOYMENT_ID: "dep-abc123",
      }),
    );
    expect(app.code).toBe(0);
    const recorded = JSON.parse(readFileSync(file, "utf8"));
    expect(recorded.deployments["dep-abc123"]).toMatchObject({
      endpoint: `${emulator.url}/`,
      deployment: { spec: { id: "dep-abc123" } },
    });
    expect(readFileSync(file, "utf8")).not.toContain(TOKEN);
  });

  it("refuses a stale lookup at plan, and one from the future at synth", async () => {
    const stale = await runApp(outputsApp, "stale", replayEnv(lookupFile("stale", 2 * 3_600_000)));
    expect(stale.code).toBe(0);
    const planned = plan(stale.dir);
    expect(planned.code).not.toBe(0);
    expect(planned.output).toMatch(
      /minutes \(\d+ s\) before this plan; the gate accepts lookups at most 15m old/,
    );
    const future = await runApp(outputsApp, "future", replayEnv(lookupFile("future", -3_600_000)));
    expect(future.code).not.toBe(0);
    expect(lastLine(future.stderr)).toMatch(
      /^RuntimeError: serving\/llama: .*coreweave-lookups\.json: the entry for CoreWeave deployment "dep-abc123" has recordedAt .*later than this machine's clock/,
    );
  });

  it("waits until READY, with progress on stderr", async () => {
    const app = await runApp(
      outputsApp,
      "wait",
      appEnv({ DEPLOYMENT_ID: `dep-rollout-${library.name}`, WAIT_MS: "20000" }),
    );
    expect(app.code).toBe(0);
    expect(JSON.parse(app.stdout)).toMatchObject({ status: "STATUS_READY", is_ready: true });
    const id = `dep-rollout-${library.name}`;
    expect(app.stderr).toMatch(
      new RegExp(`coreweave-inference: \\[\\d+ms\\] ${id}: STATUS_CREATING, not ready`),
    );
    expect(app.stderr).toMatch(
      new RegExp(`coreweave-inference: \\[[\\dms]+\\] ${id}: STATUS_READY, ready`),
    );
  });

  it("raises a failed lookup as the TypeScript message, one line: no JavaScript stack, no token", async () => {
    const client = new CoreweaveInferenceClient({ endpoint: emulator.url, apiToken: TOKEN });
    const reason = await client.getDeployment("dep-missing").catch((error: Error) => error);
    await client.close();
    const app = await runApp(outputsApp, "missing", appEnv({ DEPLOYMENT_ID: "dep-missing" }));
    expect(app.code).not.toBe(0);
    expect(lastLine(app.stderr)).toBe(`RuntimeError: serving/llama: ${(reason as Error).message}`);
    expect(app.stderr).not.toMatch(/^\s+at /m);
    // A required output of a deployment without the field behind it: one line too.
    const noModel = await runApp(outputsApp, "nomodel", appEnv({ DEPLOYMENT_ID: "dep-nomodel" }));
    expect(lastLine(noModel.stderr)).toBe(
      'RuntimeError: serving/llama: CoreWeave deployment "dep-nomodel" has no spec.model, so ' +
        "modelName has no value. Give the deployment a model in CoreWeave, or read model " +
        "(undefined when absent) to handle deployments without one.",
    );
    expect(noModel.stderr).not.toMatch(/^\s+at /m);
    for (const output of [app.stderr, app.stdout, noModel.stderr, noModel.stdout]) {
      expect(output).not.toContain(TOKEN);
    }
  });

  afterAll(() => {
    // The token went to the API only: in no file an app wrote.
    for (const file of walk(work).filter((path) => path.includes("cdktf.out"))) {
      expect({ file, holdsToken: readFileSync(file, "utf8").includes(TOKEN) }).toEqual({
        file,
        holdsToken: false,
      });
    }
  });
});

/** The last line of a Python traceback: the exception and its message. */
function lastLine(text: string): string {
  return text.trimEnd().split("\n").pop() ?? "";
}
