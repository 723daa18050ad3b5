/**
 * The packed tarball is what users install: check its contents, then run a small consumer app
 * against it (compiled lookup worker and emulator included), outside this repository's sources.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const repo = join(__dirname, "..");
let files: string[];
let consumer: string;

beforeAll(() => {
  const packDir = mkdtempSync(join(tmpdir(), "cw-pack-"));
  // `npm pack` runs the prepack build, so dist/ is fresh.
  execFileSync("npm", ["pack", "--pack-destination", packDir, "--silent"], {
    cwd: repo,
    stdio: "pipe",
  });
  const tarball = join(
    packDir,
    readdirSync(packDir).find((f) => f.endsWith(".tgz"))!,
  );
  files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ""));

  consumer = mkdtempSync(join(tmpdir(), "cw-consumer-"));
  const installed = join(consumer, "node_modules", "cdktf-coreweave-inference");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  // The package's own dependencies and the app's peers, as npm would install them.
  for (const dep of ["cdktf", "constructs", "undici", "zod", "@cdktf"]) {
    symlinkSync(join(repo, "node_modules", dep), join(consumer, "node_modules", dep));
  }
}, 120_000);

describe("the npm package", () => {
  it("holds the compiled library, its typings, the testing entry and the README, nothing else", () => {
    for (const expected of [
      "package.json",
      "README.md",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/lookup/lookup-worker.js",
      "dist/testing/index.js",
      "dist/testing/index.d.ts",
      "dist/testing/emulator-cli.js",
    ]) {
      expect(files).toContain(expected);
    }
    const unexpected = files.filter(
      (f) => !/^(package\.json|README\.md|dist\/.+\.(js|d\.ts))$/.test(f),
    );
    expect(unexpected).toEqual([]);
  });

  it("works in a consumer app: lookup, typed values, gate, emulator", () => {
    writeFileSync(
      join(consumer, "app.js"),
      `
const { App, TerraformStack, Testing } = require("cdktf");
const { CoreweaveDeploymentData, DeploymentReadinessGate } = require("cdktf-coreweave-inference");
const { startEmulatorProcess, deploymentFixture } = require("cdktf-coreweave-inference/testing");
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
});
