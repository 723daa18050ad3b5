/**
 * One package for CDK for Terraform (cdktf 0.21) and CDK Terrain (cdktn 0.24): the packed tarball
 * installed with a plain `npm install` into a new app of each, type-checked under `strict`
 * without `skipLibCheck`, synthesized with `node` (the libraries' CLIs are not needed), and
 * planned with a real `terraform plan`. Installs from the npm registry.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deploymentFixture, startEmulatorProcess, type EmulatorProcess } from "../src/testing";
import { packPackage } from "./support/pack";
import { offlineTerraformEnv, requireTerraform, run, terraform } from "./support/terraform";

const repo = join(__dirname, "..");
const devDependencies = JSON.parse(readFileSync(join(repo, "package.json"), "utf8"))
  .devDependencies as Record<string, string>;
const TOKEN = "cw-compat-secret-6a2f9d4e";
const LIBRARIES = [
  { name: "cdktn", version: "0.24.0", other: "cdktf" },
  { name: "cdktf", version: "0.21.0", other: "cdktn" },
] as const;

let tarball: string;
let emulator: EmulatorProcess;
const workDirs: string[] = [];

beforeAll(async () => {
  requireTerraform();
  tarball = packPackage();
  emulator = await startEmulatorProcess({
    token: TOKEN,
    deployments: {
      "compat-ready": deploymentFixture("compat-ready"),
      "compat-creating": deploymentFixture("compat-creating", {
        status: "STATUS_CREATING",
        conditions: [{ type: "Ready", status: "False", reason: "ModelLoading" }],
      }),
    },
  });
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

function workDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  workDirs.push(dir);
  return dir;
}

/** `npm install` as a user types it: no --legacy-peer-deps, no alias. */
function npmInstall(dir: string, packages: string[]): void {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...packages], {
    cwd: dir,
    stdio: "pipe",
    timeout: 300_000,
  });
}

/** The app a user writes: every public piece the README shows, from one import path. */
function appSource(library: string): string {
  return `
import { App, DataResource, LocalBackend, TerraformOutput, TerraformStack } from "${library}";
import {
  CoreweaveDeploymentData,
  DeploymentReadinessGate,
  toTerraformLiteral,
} from "cdktf-coreweave-inference";
import { deploymentFixture, InMemoryDeploymentSource } from "cdktf-coreweave-inference/testing";

const outdir = process.env.OUTDIR ?? "cdktf.out";
const app = new App({ outdir });
for (const id of (process.env.DEPLOYMENT_IDS ?? "").split(",")) {
  const stack = new TerraformStack(app, id);
  new LocalBackend(stack, { path: \`\${outdir}/\${id}.tfstate\` });
  const deployment = new CoreweaveDeploymentData(stack, "deployment", { deploymentId: id });
  const gate = new DeploymentReadinessGate(stack, "ready", { deployment });
  const gateways: string[] = deployment.gatewayIds;
  new DataResource(stack, "rollout", {
    input: { gateways, bucket: deployment.modelBucket },
    dependsOn: [gate, deployment.record],
  });
  deployment.record.addOverride("lifecycle.create_before_destroy", true);
  new TerraformOutput(stack, "note", { value: toTerraformLiteral("\${not.evaluated}") });
}
app.synth();

// The testing kit, as a unit test of the user's stack uses it.
const testApp = new App({ outdir: \`\${outdir}-unit\` });
const source = new InMemoryDeploymentSource({ "dep-1": deploymentFixture("dep-1") });
CoreweaveDeploymentData.useSource(testApp, source);
const unitStack = new TerraformStack(testApp, "unit");
const unit = new CoreweaveDeploymentData(unitStack, "d", { deploymentId: "dep-1" });
new DeploymentReadinessGate(unitStack, "g", { deployment: unit, resourceType: "null_resource" });
testApp.synth();
console.log(\`unit lookup: \${unit.deploymentId} \${unit.status} via \${source.requestedIds.join(",")}\`);
`;
}

const STRICT_TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "commonjs",
    moduleResolution: "node",
    strict: true,
    skipLibCheck: false,
    outDir: "out",
    rootDir: "src",
    types: ["node"],
  },
  include: ["src"],
};

describe.each(LIBRARIES)("a new $name $version app", ({ name, version, other }) => {
  let app: string;
  const outdir = () => join(app, "cdktf.out");
  const synth = (ids: string, extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [join(app, "out", "main.js")], {
      cwd: app,
      encoding: "utf8",
      timeout: 120_000,
      env: {
        ...process.env,
        OUTDIR: outdir(),
        DEPLOYMENT_IDS: ids,
        COREWEAVE_API_ENDPOINT: emulator.url,
        COREWEAVE_API_TOKEN: TOKEN,
        COREWEAVE_LOOKUP_FILE: join(app, "coreweave-lookups.json"),
        ...extra,
      },
    });

  beforeAll(() => {
    app = workDir(`cw-compat-${name}-`);
    npmInstall(app, [
      tarball,
      `${name}@${version}`,
      `constructs@${devDependencies.constructs}`,
      `typescript@${devDependencies.typescript}`,
      `@types/node@${devDependencies["@types/node"]}`,
    ]);
    mkdirSync(join(app, "src"));
    writeFileSync(join(app, "src", "main.ts"), appSource(name));
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify(STRICT_TSCONFIG, null, 2));
  }, 300_000);

  it(`installs with a plain npm install, without ${other}`, () => {
    expect(existsSync(join(app, "node_modules", name))).toBe(true);
    expect(existsSync(join(app, "node_modules", other))).toBe(false);
  });

  it("type-checks under strict without skipLibCheck", () => {
    const tsc = run(join(app, "node_modules", ".bin", "tsc"), ["-p", "."], app, process.env);
    expect(tsc.output.trim()).toBe("");
    expect(tsc.code).toBe(0);
  });

  it("synthesizes with node; terraform plan passes READY and blocks CREATING", async () => {
    await emulator.clearRequestLog();
    const result = synth("compat-ready,compat-creating");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("unit lookup: dep-1 STATUS_READY via dep-1");
    const env = offlineTerraformEnv();
    const ready = terraform(join(outdir(), "stacks", "compat-ready"), "plan", env);
    expect(ready.output).toContain("Plan: 3 to add");
    expect(ready.code).toBe(0);
    const creating = terraform(join(outdir(), "stacks", "compat-creating"), "plan", env);
    expect(creating.code).not.toBe(0);
    expect(creating.output).toContain('CoreWeave deployment "compat-creating" is not ready');
    // The null_resource gate variant needs no provider package: the gate declares hashicorp/null.
    const unit = JSON.parse(
      readFileSync(join(`${outdir()}-unit`, "stacks", "unit", "cdk.tf.json"), "utf8"),
    );
    expect(unit.terraform.required_providers.null.source).toBe("hashicorp/null");
    expect(Object.keys(unit.resource.null_resource)).toHaveLength(1);
    for (const file of ["compat-ready", "compat-creating"]) {
      const text = readFileSync(join(outdir(), "stacks", file, "cdk.tf.json"), "utf8");
      expect(text).not.toContain(TOKEN);
    }
  });

  it("records with the CLI, then replays with no token and no request", async () => {
    const cli = run(
      join(app, "node_modules", ".bin", "coreweave-inference"),
      ["lookups", "record", "compat-ready"],
      app,
      { ...process.env, COREWEAVE_API_ENDPOINT: emulator.url, COREWEAVE_API_TOKEN: TOKEN },
    );
    expect(cli.code).toBe(0);
    await emulator.clearRequestLog();
    const replay = synth("compat-ready", {
      COREWEAVE_LOOKUP_MODE: "replay",
      COREWEAVE_API_TOKEN: "",
    });
    expect(replay.stderr).toBe("");
    expect(replay.status).toBe(0);
    expect(await emulator.requestLog()).toHaveLength(0);
  });
});

it("fails to import with one line naming both libraries when neither is installed", () => {
  const app = workDir("cw-compat-none-");
  npmInstall(app, [tarball]);
  expect(existsSync(join(app, "node_modules", "cdktf"))).toBe(false);
  expect(existsSync(join(app, "node_modules", "cdktn"))).toBe(false);
  const result = spawnSync(process.execPath, ["-e", 'require("cdktf-coreweave-inference")'], {
    cwd: app,
    encoding: "utf8",
  });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain(
    "cdktf-coreweave-inference needs a CDK library in your app: install cdktn@0.24.0 (CDK " +
      "Terrain) or cdktf@0.21.0 (CDK for Terraform).",
  );
  // The CLI and the testing kit need no CDK library.
  const cli = spawnSync(
    process.execPath,
    [join(app, "node_modules", "cdktf-coreweave-inference", "dist", "cli", "main.js"), "--help"],
    { cwd: app, encoding: "utf8" },
  );
  expect(cli.status).toBe(0);
});
