/**
 * The packed tarball is what users install: check its contents, then use it from a small consumer
 * app (compiled lookup thread and emulator included), outside this repository's sources: at
 * runtime, type-checked under each module resolution a TypeScript app may use, and through `npx`.
 */
import { createHash } from "node:crypto";
import { execFile, execFileSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  eventually,
  groupAlive,
  isListening,
  killLaunched,
  launch,
} from "./support/launched-processes";
import { promisify } from "node:util";
import { deploymentFixture, startEmulatorProcess } from "../src/testing";
import { packPackage } from "./support/pack";

const execFileAsync = promisify(execFile);

const repo = join(__dirname, "..");
const PACKAGE = "cdktf-coreweave-inference";
let files: string[];
let packDir: string;
let consumer: string;

beforeAll(() => {
  const tarball = packPackage();
  packDir = dirname(tarball);
  files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ""));

  consumer = mkdtempSync(join(tmpdir(), "cw-consumer-"));
  const installed = join(consumer, "node_modules", PACKAGE);
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  // The package's own dependencies and the app's peers and typings, as npm would install them.
  for (const dep of ["cdktf", "constructs", "undici", "zod", "@cdktf", "@types"]) {
    symlinkSync(join(repo, "node_modules", dep), join(consumer, "node_modules", dep));
  }
  // The bin link npm makes on install, so that `npx coreweave-inference-emulator` finds it.
  const bin = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).bin as Record<
    string,
    string
  >;
  mkdirSync(join(consumer, "node_modules", ".bin"));
  for (const [name, target] of Object.entries(bin)) {
    chmodSync(join(installed, target), 0o755);
    symlinkSync(join("..", PACKAGE, target), join(consumer, "node_modules", ".bin", name));
  }
}, 120_000);

afterEach(killLaunched);

afterAll(() => {
  // Removes the links into this repository's node_modules, never what they point to.
  for (const dir of [packDir, consumer]) {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});

describe("the npm package", () => {
  it("holds the compiled library, its typings, the client and testing entries, the docs and LICENSE, nothing else", () => {
    for (const expected of [
      "package.json",
      "README.md",
      "CHANGELOG.md",
      "docs/cli.md",
      "docs/api/python-cdktn.md",
      "LICENSE",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/lookup/lookup-thread-main.js",
      "dist/client.js",
      "dist/client.d.ts",
      "dist/testing/index.js",
      "dist/testing/index.d.ts",
      "dist/testing/emulator-cli.js",
    ]) {
      expect(files).toContain(expected);
    }
    const unexpected = files.filter(
      (f) =>
        !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE|docs\/(api\/)?[^/]+\.md|dist\/.+\.(js|d\.ts))$/.test(
          f,
        ),
    );
    expect(unexpected).toEqual([]);
  });

  it("is licensed under the unmodified Apache License 2.0 text", () => {
    const license = readFileSync(join(consumer, "node_modules", PACKAGE, "LICENSE"));
    // The MD5 of https://www.apache.org/licenses/LICENSE-2.0.txt, as license scanners know it.
    expect(createHash("md5").update(license).digest("hex")).toBe(
      "3b83ef96387f14655fc854ddc3c6bd57",
    );
    expect(JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).license).toBe("Apache-2.0");
  });

  it("works in a consumer app: lookup, typed values, gate, emulator", () => {
    writeFileSync(
      join(consumer, "app.js"),
      `
const { App, TerraformStack, Testing } = require("cdktf");
const { CoreweaveDeploymentData, DeploymentReadinessGate } = require("${PACKAGE}");
const { startEmulatorProcess, deploymentFixture } = require("${PACKAGE}/testing");
(async () => {
  const emulator = await startEmulatorProcess({
    token: "consumer-token",
    deployments: { "dep-c": deploymentFixture("dep-c", { status: "STATUS_CREATING" }) },
  });
  try {
    const stack = new TerraformStack(Testing.app(), "consumer");
    const d = new CoreweaveDeploymentData(stack, "dep", { deploymentId: "dep-c", endpoint: emulator.url, apiToken: "consumer-token" });
    const gate = new DeploymentReadinessGate(stack, "gate", { deployment: d });
    const synth = JSON.parse(Testing.synth(stack));
    console.log(JSON.stringify({ gatewayIds: d.gatewayIds, status: d.status, ready: gate.verdict.ready, resources: Object.keys(synth.resource.terraform_data).length }));
  } finally {
    await emulator.stop();
  }
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
    const out = execFileSync(process.execPath, ["app.js"], { cwd: consumer, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({
      gatewayIds: expect.arrayContaining([expect.any(String)]),
      status: "STATUS_CREATING",
      ready: false,
      resources: 2,
    });
  });

  it("loads only undici's Agent and request API, and zod only for an answer", async () => {
    writeFileSync(
      join(consumer, "loads.js"),
      `
const { CoreweaveInferenceClient } = require("${PACKAGE}/client");
const loaded = (pattern) => Object.keys(require.cache).filter((file) => pattern.test(file)).length;
(async () => {
  const client = new CoreweaveInferenceClient();
  const zodBefore = loaded(/[\\/]node_modules[\\/]zod[\\/]/);
  await client.getDeployment("dep-l");
  await client.close();
  console.log(JSON.stringify({
    zodBefore,
    zodAfter: loaded(/[\\/]node_modules[\\/]zod[\\/]/) > 0,
    undiciIndex: loaded(/[\\/]undici[\\/]index\\.js$/),
    undiciFetch: loaded(/[\\/]undici[\\/]lib[\\/]web[\\/]fetch[\\/]/),
    undiciAgent: loaded(/[\\/]undici[\\/]lib[\\/]dispatcher[\\/]agent\\.js$/),
  }));
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
    const emulator = await startEmulatorProcess({
      token: "loads-token",
      deployments: { "dep-l": deploymentFixture("dep-l") },
    });
    try {
      const { stdout } = await execFileAsync(process.execPath, ["loads.js"], {
        cwd: consumer,
        env: {
          ...process.env,
          COREWEAVE_API_ENDPOINT: emulator.url,
          COREWEAVE_API_TOKEN: "loads-token",
        },
      });
      expect(JSON.parse(stdout)).toEqual({
        zodBefore: 0,
        zodAfter: true,
        undiciIndex: 0,
        undiciFetch: 0,
        undiciAgent: 1,
      });
    } finally {
      await emulator.stop();
    }
  });

  it("loads /client without cdktf, cdktn or a worker thread, for scripts and other tools", () => {
    writeFileSync(
      join(consumer, "client.js"),
      `
const { CoreweaveInferenceClient, DeploymentNotFoundError } = require("${PACKAGE}/client");
const loaded = Object.keys(require.cache);
console.log(JSON.stringify({
  client: typeof CoreweaveInferenceClient,
  error: typeof DeploymentNotFoundError,
  cdk: loaded.filter((file) => /[\\/]node_modules[\\/](cdktf|cdktn|constructs)[\\/]/.test(file)).length,
  worker: loaded.some((file) => file.endsWith("lookup-thread.js")),
}));
`,
    );
    const out = execFileSync(process.execPath, ["client.js"], { cwd: consumer, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({
      client: "function",
      error: "function",
      cdk: 0,
      worker: false,
    });
  });

  /**
   * `cdktf init` generates `module: CommonJS` without `moduleResolution`, which means `node`
   * (node10): it ignores `exports`, so `/testing` resolves only through `typesVersions`.
   */
  it.each([
    ["node", "commonjs", "cjs"],
    ["node16", "node16", "cjs"],
    ["bundler", "esnext", "esm"],
  ] as const)(
    "TypeScript resolves the root, /client and /testing under moduleResolution %s, and the result runs",
    (moduleResolution, module, output) => {
      const dir = join(consumer, `ts-${moduleResolution}`);
      mkdirSync(join(dir, "out"), { recursive: true });
      writeFileSync(
        join(dir, "app.ts"),
        `import { CoreweaveDeploymentData, DeploymentReadinessGate } from "${PACKAGE}";
import { deploymentFixture, type WireDeployment } from "${PACKAGE}/testing";
import { CoreweaveInferenceClient, type Deployment } from "${PACKAGE}/client";

const deployment: WireDeployment = deploymentFixture("dep-ts").deployment;
const typed: Deployment["spec"]["id"] = deployment.spec.id;
// Real typings, not \`any\`: this line must be an error.
// @ts-expect-error a deployment ID is a string
const wrong: number = deployment.spec.id;
console.log(
  JSON.stringify({
    id: deployment.spec.id,
    constructs: [typeof CoreweaveDeploymentData, typeof DeploymentReadinessGate],
    client: typeof CoreweaveInferenceClient,
    typed,
    wrong: typeof wrong,
  }),
);
`,
      );
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            lib: ["ES2022"],
            module,
            moduleResolution,
            strict: true,
            skipLibCheck: true,
            types: ["node"],
            outDir: "out",
          },
          files: ["app.ts"],
        }),
      );
      // The compiled app is a module when its package.json says so (only in out/: the type of
      // dir/ would change what node16 resolution means).
      writeFileSync(
        join(dir, "out", "package.json"),
        JSON.stringify({ type: output === "esm" ? "module" : "commonjs" }),
      );
      const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
      try {
        execFileSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8", stdio: "pipe" });
      } catch (error) {
        throw new Error(`tsc failed:\n${(error as { stdout: string }).stdout}`);
      }
      const out = execFileSync(process.execPath, [join(dir, "out", "app.js")], {
        cwd: consumer,
        encoding: "utf8",
      });
      expect(JSON.parse(out)).toEqual({
        id: "dep-ts",
        constructs: ["function", "function"],
        client: "function",
        typed: "dep-ts",
        wrong: "string",
      });
    },
  );

  /**
   * npm exec runs the bin through `sh -c` and forwards SIGTERM to that shell only, which dies
   * without passing it on: before the fix the emulator was orphaned and kept listening.
   */
  it.each(["SIGTERM", "SIGKILL"] as const)(
    "npx coreweave-inference-emulator: %s to npx stops the emulator within seconds",
    async (signal) => {
      const env: NodeJS.ProcessEnv = { ...process.env, npm_config_offline: "true" };
      for (const name of Object.keys(env)) {
        if (name.startsWith("COREWEAVE_EMULATOR_")) delete env[name];
      }
      const npx = await launch("npx", ["coreweave-inference-emulator"], {
        cwd: consumer,
        env,
        readyPattern: /listening on (http:\/\/\S+)/,
      });
      expect(await isListening(npx.ready)).toBe(true);
      process.kill(npx.pid, signal);
      await eventually(
        "the emulator's port closed",
        async () => !(await isListening(npx.ready)),
        5_000,
      );
      await eventually("every process of the npx run exited", () => !groupAlive(npx.pid), 5_000);
    },
  );
});
