/**
 * One package for CDK for Terraform (cdktf 0.21) and CDK Terrain (cdktn 0.24), installed as users
 * install it: the packed tarball with the CDK library, `constructs` as that library's `init`
 * writes it, and the library's CLI (as in pipelines that run `npx cdktf`), with a plain
 * `npm install` and no flags, both in one command and from a package.json with no lockfile.
 * `npm ls` must then be clean. The package.json app is also type-checked under `strict` without
 * `skipLibCheck`, synthesized with `node` and planned with a real `terraform plan`. Installs from
 * the npm registry. The versions below are the users' own: never this repository's devDependency
 * pins, which once hid an install that failed for every new cdktf app.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { deploymentFixture, startEmulatorProcess, type EmulatorProcess } from "../src/testing";
import { packPackage } from "./support/pack";
import {
  offlineTerraformEnv,
  requireTerraform,
  run,
  terraform,
  type CommandResult,
} from "./support/terraform";

const PACKAGE = "cdktf-coreweave-inference";
const TOKEN = "cw-compat-secret-6a2f9d4e";

const LIBRARIES = [
  {
    name: "cdktf",
    other: "cdktn",
    // `constructs@^10.4.2` is what `cdktf init` wrote; npm now resolves it to 10.8.x, which cdktn
    // refuses. cdktf-cli pins its own constructs (10.4.2).
    command: ["cdktf@0.21.0", "constructs@^10.4.2", "cdktf-cli@0.21.0"],
    dependencies: { cdktf: "^0.21.0", constructs: "^10.4.2" },
    cli: { "cdktf-cli": "^0.21.0" },
  },
  {
    name: "cdktn",
    other: "cdktf",
    // cdktn needs constructs >=10.6.0 <10.8.0. cdktn-cli declares Node.js >= 22.19: older Node
    // gets a warning (EBADENGINE) and the install goes on; this test never runs that CLI.
    command: ["cdktn@0.24.0", "constructs@~10.7.0", "cdktn-cli@0.24.0"],
    dependencies: { cdktn: "^0.24.0", constructs: "~10.7.0" },
    cli: { "cdktn-cli": "^0.24.0" },
  },
] as const;

/**
 * The app's own tools for the type-check: `typescript@5` as `cdktn init` installs it and as the
 * README tells new cdktf apps to pin it; `@types/node` unpinned, as both `init`s install it.
 */
const TOOLS = { typescript: "^5", "@types/node": "*" };

type InstallName = `${(typeof LIBRARIES)[number]["name"]}-${"command" | "manifest"}` | "none";

interface InstalledApp {
  readonly dir: string;
  /** What the user typed, for the messages. */
  readonly description: string;
  readonly install: CommandResult;
}

let root: string;
let tarball: string;
let emulator: EmulatorProcess;
const apps = new Map<InstallName, InstalledApp>();

beforeAll(async () => {
  requireTerraform();
  root = mkdtempSync(join(tmpdir(), "cw-compat-"));
  tarball = packPackage();
  // The installs are independent: run them side by side (each takes 20-60 s).
  const installing = Promise.all([
    ...LIBRARIES.flatMap((library) => [
      installApp(`${library.name}-command`, [tarball, ...library.command]),
      installApp(`${library.name}-manifest`, [], {
        dependencies: { ...library.dependencies, [PACKAGE]: `file:${tarball}` },
        devDependencies: { ...library.cli, ...TOOLS },
      }),
    ]),
    installApp("none", [tarball]),
  ]);
  const [installed, started] = await Promise.allSettled([
    installing,
    startEmulatorProcess({
      token: TOKEN,
      deployments: {
        "compat-ready": deploymentFixture("compat-ready"),
        "compat-creating": deploymentFixture("compat-creating", {
          status: "STATUS_CREATING",
          conditions: [{ type: "Ready", status: "False", reason: "ModelLoading" }],
        }),
      },
    }),
  ]);
  if (started.status === "rejected") throw started.reason;
  emulator = started.value;
  if (installed.status === "rejected") throw installed.reason;
  // The user's code, in the apps where it is type-checked, synthesized and planned.
  for (const { name } of LIBRARIES) {
    const dir = app(`${name}-manifest`).dir;
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src", "main.ts"), appSource(name));
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(STRICT_TSCONFIG, null, 2));
  }
}, 600_000);

afterAll(async () => {
  await emulator?.stop();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  if (tarball !== undefined) rmSync(dirname(tarball), { recursive: true, force: true });
});

/**
 * npm as a user runs it: none of the configuration `npm test` passes down in `npm_config_*`, the
 * repository's `node_modules/.bin` off PATH, and npm's defaults for peer dependencies even if the
 * machine's ~/.npmrc sets otherwise.
 */
function userNpmEnv(): NodeJS.ProcessEnv {
  const kept =
    /^npm_config_(cache|registry|userconfig|globalconfig|cafile|proxy|https_proxy|noproxy)$/i;
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(npm_|init_cwd$)/i.test(key) || kept.test(key),
    ),
  );
  return {
    ...env,
    PATH: (process.env.PATH ?? "")
      .split(delimiter)
      .filter((dir) => !/node_modules[\\/]\.bin|node-gyp-bin/.test(dir))
      .join(delimiter),
    npm_config_legacy_peer_deps: "false",
    npm_config_strict_peer_deps: "false",
    npm_config_force: "false",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  };
}

function runAsync(command: string, args: string[], cwd: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: userNpmEnv(), timeout: 480_000 });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", (error) => resolve({ code: null, output: `${output}\n${error.message}` }));
    child.on("close", (code, signal) =>
      resolve({ code, output: signal ? `${output}\n(killed by ${signal})` : output }),
    );
  });
}

/**
 * A new app in `root`: `npm install <packages>` in an empty app, or, given a manifest, a plain
 * `npm install` of that package.json with no lockfile.
 */
async function installApp(
  name: InstallName,
  packages: string[],
  manifest?: { dependencies: Record<string, string>; devDependencies: Record<string, string> },
): Promise<void> {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "app", version: "1.0.0", private: true, ...manifest }, null, 2),
  );
  const shown = packages.map((p) => (p === tarball ? PACKAGE : `'${p}'`));
  const description =
    manifest === undefined
      ? `npm install ${shown.join(" ")}`
      : `npm install (no lockfile) of ${JSON.stringify(manifest).replace(tarball, "<tarball>")}`;
  const install = await runAsync("npm", ["install", ...packages], dir);
  apps.set(name, { dir, description, install });
}

function app(name: InstallName): InstalledApp {
  const installed = apps.get(name);
  if (installed === undefined) throw new Error(`the ${name} app was not installed (see beforeAll)`);
  return installed;
}

/** Fails with the install's output unless it exited 0 and `npm ls --all` is then clean. */
async function expectCleanInstall(name: InstallName): Promise<string> {
  const { dir, description, install } = app(name);
  if (install.code !== 0) {
    throw new Error(`${description} exited ${install.code}:\n${install.output.slice(-4000)}`);
  }
  if (!existsSync(join(dir, "package-lock.json"))) {
    throw new Error(`${description} wrote no package-lock.json:\n${install.output.slice(-4000)}`);
  }
  const ls = await runAsync("npm", ["ls", "--all"], dir);
  // Optional peers that are not installed are listed as UNMET OPTIONAL DEPENDENCY: not a problem.
  const problems = ls.output
    .split("\n")
    .filter((line) => /\binvalid\b|\bmissing\b|UNMET DEPENDENCY|\bextraneous\b|ERR!/.test(line));
  if (ls.code !== 0 || problems.length > 0) {
    throw new Error(
      `after ${description}, npm ls exited ${ls.code}:\n${(problems.length > 0 ? problems.join("\n") : ls.output).slice(-4000)}`,
    );
  }
  return dir;
}

/** `require("cdktf-coreweave-inference")` in the app, as the user's code does. */
function requirePackage(dir: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ["-e", `require(${JSON.stringify(PACKAGE)})`], {
    cwd: dir,
    encoding: "utf8",
  });
}

/** The app a user writes: every public piece the README shows, from its three entry points. */
function appSource(library: string): string {
  return `
import { App, DataResource, LocalBackend, TerraformOutput, TerraformStack } from "${library}";
import {
  CoreweaveDeploymentData,
  DeploymentReadinessGate,
  toTerraformLiteral,
} from "cdktf-coreweave-inference";
import { deploymentFixture, InMemoryDeploymentSource } from "cdktf-coreweave-inference/testing";
import { ConfigurationError, type Deployment } from "cdktf-coreweave-inference/client";

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
const facts: Deployment = unit.deployment;
if (!(new ConfigurationError("x") instanceof Error) || facts.spec.id !== "dep-1") process.exit(1);
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

describe.each(LIBRARIES)("a new $name app", ({ name, other, command, dependencies, cli }) => {
  const manifestApp = () => app(`${name}-manifest`).dir;
  const outdir = () => join(manifestApp(), "cdktf.out");
  const synth = (ids: string, extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [join(manifestApp(), "out", "main.js")], {
      cwd: manifestApp(),
      encoding: "utf8",
      timeout: 120_000,
      env: {
        ...process.env,
        OUTDIR: outdir(),
        DEPLOYMENT_IDS: ids,
        COREWEAVE_API_ENDPOINT: emulator.url,
        COREWEAVE_API_TOKEN: TOKEN,
        COREWEAVE_LOOKUP_FILE: join(manifestApp(), "coreweave-lookups.json"),
        ...extra,
      },
    });

  const expectAppOf = (dir: string) => {
    expect(existsSync(join(dir, "node_modules", name))).toBe(true);
    expect(existsSync(join(dir, "node_modules", other))).toBe(false);
    // One constructs for the library and this package: construct trees need the same copy.
    expect(existsSync(join(dir, "node_modules", PACKAGE, "node_modules", "constructs"))).toBe(
      false,
    );
    const loaded = requirePackage(dir);
    expect(loaded.stderr).toBe("");
    expect(loaded.status).toBe(0);
  };

  it(`installs in one command: npm install ${PACKAGE} ${command.join(" ")}; npm ls is clean`, async () => {
    expectAppOf(await expectCleanInstall(`${name}-command`));
  });

  it(`installs from a package.json with no lockfile (${Object.entries({ ...dependencies, ...cli })
    .map(([dep, range]) => `${dep} ${range}`)
    .join(", ")}); npm ls is clean`, async () => {
    expectAppOf(await expectCleanInstall(`${name}-manifest`));
  });

  it("type-checks under strict without skipLibCheck", () => {
    const dir = manifestApp();
    const tsc = run(join(dir, "node_modules", ".bin", "tsc"), ["-p", "."], dir, process.env);
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
    const cliRun = run(
      join(manifestApp(), "node_modules", ".bin", "coreweave-inference"),
      ["lookups", "record", "compat-ready"],
      manifestApp(),
      { ...process.env, COREWEAVE_API_ENDPOINT: emulator.url, COREWEAVE_API_TOKEN: TOKEN },
    );
    expect(cliRun.code).toBe(0);
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

it("fails to import with one line naming both libraries when neither is installed", async () => {
  const dir = await expectCleanInstall("none");
  expect(existsSync(join(dir, "node_modules", "cdktf"))).toBe(false);
  expect(existsSync(join(dir, "node_modules", "cdktn"))).toBe(false);
  const result = requirePackage(dir);
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain(
    "cdktf-coreweave-inference needs a CDK library in your app: install cdktn@0.24.0 (CDK " +
      "Terrain) or cdktf@0.21.0 (CDK for Terraform).",
  );
  // The CLI and the testing kit need no CDK library.
  const cliHelp = spawnSync(
    process.execPath,
    [join(dir, "node_modules", PACKAGE, "dist", "cli", "main.js"), "--help"],
    { cwd: dir, encoding: "utf8" },
  );
  expect(cliHelp.status).toBe(0);
});
