/**
 * End to end, with real `terraform plan`/`apply`: a verdict that cannot go stale (nor be dated in
 * the future), no drift from timestamps alone, the version requirement where Terraform checks
 * it, and no `terraform version` spawned per record or gate at synth.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import {
  CoreweaveDeploymentData,
  DeploymentReadinessGate,
  type DeploymentSource,
  ReplayDeploymentSource,
} from "../src";
import type { GetDeploymentResponseJson } from "../src/api/deployment";
import { deploymentFixture, InMemoryDeploymentSource } from "../src/testing";
import {
  offlineTerraformEnv,
  requireTerraform,
  run,
  TERRAFORM,
  terraform,
} from "./support/terraform";

const env = offlineTerraformEnv();
let outdir: string;
const temporaryDirs: string[] = [];

/** A new temporary folder, removed after the tests. */
function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

beforeAll(() => {
  requireTerraform();
  outdir = temporaryDir("cw-e2e-guards-");
});
afterAll(() => {
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

/** Synthesizes a stack that gates a rollout on `id`, read from `source`, into `outdir`. */
function synthGated(
  stackId: string,
  source: DeploymentSource,
  id: string,
  configure: (stack: TerraformStack) => void = () => undefined,
): string {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, stackId);
  new LocalBackend(stack, { path: join(outdir, `${stackId}.tfstate`) });
  configure(stack);
  const deployment = new CoreweaveDeploymentData(stack, "deployment", { deploymentId: id, source });
  new DeploymentReadinessGate(stack, "ready", { deployment });
  app.synth();
  return join(outdir, "stacks", stackId);
}

function replayFile(body: GetDeploymentResponseJson, recordedAt: Date): string {
  const file = join(temporaryDir("cw-guards-file-"), "coreweave-lookups.json");
  const { deployment } = body;
  const entry = {
    recordedAt: recordedAt.toISOString(),
    endpoint: "https://api.coreweave.com/",
    deployment,
  };
  writeFileSync(file, JSON.stringify({ version: 1, deployments: { [deployment.spec.id]: entry } }));
  return file;
}

/** `source`, as if looked up on a machine whose clock said `observedAt`. */
function lookedUpAt(source: DeploymentSource, observedAt: string): DeploymentSource {
  return {
    lookup: (requests) => source.lookup(requests).map((r) => (r.ok ? { ...r, observedAt } : r)),
  };
}

describe("a verdict that cannot go stale", () => {
  it("passes a fresh lookup", () => {
    const source = new InMemoryDeploymentSource({ "dep-fresh": deploymentFixture("dep-fresh") });
    const plan = terraform(synthGated("fresh", source, "dep-fresh"), "plan", env);
    expect(plan.output).toContain("Plan: 2 to add");
    expect(plan.code).toBe(0);
  });

  it("fails a lookup older than maxAgeMs at plan time, with the age, the limit and the fix", () => {
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    const file = replayFile(deploymentFixture("dep-old"), twoHoursAgo);
    const plan = terraform(
      synthGated("stale", new ReplayDeploymentSource(file), "dep-old"),
      "plan",
      env,
    );
    expect(plan.code).not.toBe(0);
    const text = plan.output.replace(/\s+/g, " ");
    expect(text).toContain(
      `CoreWeave deployment "dep-old" was looked up at ${twoHoursAgo.toISOString()}, 120 minutes`,
    );
    expect(text).toMatch(
      /\(72\d\d s\) before this plan; the gate accepts lookups at most 15m old \(maxAgeMs\)/,
    );
    expect(text).toContain(
      "synthesize again (cdktf plan), or record the lookup file again (COREWEAVE_LOOKUP_MODE=record)",
    );
  });

  it("accepts an old snapshot only when the user chose a larger maxAgeMs", () => {
    const file = replayFile(deploymentFixture("dep-chosen"), new Date(Date.now() - 3_600_000));
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "chosen");
    new LocalBackend(stack, { path: join(outdir, "chosen.tfstate") });
    const deployment = new CoreweaveDeploymentData(stack, "deployment", {
      deploymentId: "dep-chosen",
      source: new ReplayDeploymentSource(file),
    });
    new DeploymentReadinessGate(stack, "ready", { deployment, maxAgeMs: 2 * 3_600_000 });
    app.synth();
    expect(terraform(join(outdir, "stacks", "chosen"), "plan", env).code).toBe(0);
  });

  it("passes a snapshot recorded a minute ago, and one a little ahead, within the clock skew", () => {
    const minuteAgo = replayFile(deploymentFixture("dep-minute"), new Date(Date.now() - 60_000));
    const ago = terraform(
      synthGated("minute-ago", new ReplayDeploymentSource(minuteAgo), "dep-minute"),
      "plan",
      env,
    );
    expect(ago.output).toContain("Plan: 2 to add");
    expect(ago.code).toBe(0);

    const ahead = replayFile(deploymentFixture("dep-ahead"), new Date(Date.now() + 2 * 60_000));
    const skewed = terraform(
      synthGated("skew-ahead", new ReplayDeploymentSource(ahead), "dep-ahead"),
      "plan",
      env,
    );
    expect(skewed.output).toContain("Plan: 2 to add");
    expect(skewed.code).toBe(0);
  });

  it("fails a lookup time in the future at plan time, naming it and the fix", () => {
    const future = "2099-01-01T00:00:00.000Z";
    // Replay refuses such an entry at synth already; a lookup on a machine whose clock is
    // wrong, or an edited cdk.tf.json, still reaches the plan.
    const file = replayFile(deploymentFixture("dep-future"), new Date(future));
    expect(() =>
      synthGated("future-replay", new ReplayDeploymentSource(file), "dep-future"),
    ).toThrow(`the entry for CoreWeave deployment "dep-future" has recordedAt ${future}`);

    const source = new InMemoryDeploymentSource({ "dep-future": deploymentFixture("dep-future") });
    const plan = terraform(
      synthGated("future", lookedUpAt(source, future), "dep-future"),
      "plan",
      env,
    );
    expect(plan.code).not.toBe(0);
    const text = plan.output.replace(/\s+/g, " ");
    expect(text).toContain(`CoreWeave deployment "dep-future" was looked up at ${future}, `);
    expect(text).toMatch(
      / \d+ minutes \(\d+ s\) after this plan's time \(20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ\): the lookup time is in the future\. The gate allows 5m of clock skew;/,
    );
    expect(text).toContain(
      "record the lookup again (npx coreweave-inference lookups record dep-future, or " +
        "COREWEAVE_LOOKUP_MODE=record cdktf synth), then plan.",
    );
    // The message tells which bound failed: the lookup is not too old.
    expect(text).not.toContain("before this plan");
  });

  it("fails a terraform plan of an old cdktf.out", () => {
    const stackDir = synthGated(
      "old-out",
      new InMemoryDeploymentSource({ "dep-out": deploymentFixture("dep-out") }),
      "dep-out",
    );
    // Simulate an hour passing between synth and plan: the lookup time is only in the condition.
    const file = join(stackDir, "cdk.tf.json");
    const observed = Math.floor(Date.now() / 1000);
    const synthesized = readFileSync(file, "utf8");
    const shifted = synthesized.replace(
      /coreweave_plan_epoch_seconds - (\d+)\)/g,
      (_m, seconds: string) => {
        expect(Math.abs(Number(seconds) - observed)).toBeLessThan(60);
        return `coreweave_plan_epoch_seconds - ${Number(seconds) - 3600})`;
      },
    );
    expect(shifted).not.toBe(synthesized);
    writeFileSync(file, shifted);
    const plan = terraform(stackDir, "plan", env);
    expect(plan.code).not.toBe(0);
    expect(plan.output.replace(/\s+/g, " ")).toMatch(/, 60 minutes \(36\d\d s\) before this plan/);
  });
});

describe("a replay miss", () => {
  it("never passes a plan, even were its placeholder forced past synth", () => {
    const file = replayFile(deploymentFixture("dep-other"), new Date());
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "placeholder");
    new LocalBackend(stack, { path: join(outdir, "placeholder.tfstate") });
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    let deployment: CoreweaveDeploymentData;
    try {
      deployment = new CoreweaveDeploymentData(stack, "deployment", {
        deploymentId: "dep-unrecorded",
        source: new ReplayDeploymentSource(file),
      });
    } finally {
      stderr.mockRestore();
    }
    new DeploymentReadinessGate(stack, "default", { deployment });
    new DeploymentReadinessGate(stack, "lenient", {
      deployment,
      acceptedStatuses: ["STATUS_READY", "STATUS_UPDATING", "STATUS_CREATING"],
      requiredConditions: [],
      allowDisabled: true,
      maxAgeMs: 100 * 365 * 24 * 3_600_000,
    });
    // Synth refuses the placeholder (replay-misses.test.ts); taking out what refuses it shows
    // the second line of defence: its facts fail both of the gate's preconditions.
    expect(deployment.node.tryRemoveChild("not-recorded")).toBe(true);
    app.synth();
    const plan = terraform(join(outdir, "stacks", "placeholder"), "plan", env);
    expect(plan.code).not.toBe(0);
    const text = plan.output.replace(/\s+/g, " ");
    // The default gate: a lookup time of the epoch is decades too old.
    expect(text).toContain(
      'CoreWeave deployment "dep-unrecorded" was looked up at 1970-01-01T00:00:00.000Z,',
    );
    // Every gate, the most lenient one included: the status is one no policy accepts.
    expect(text).toContain(
      'CoreWeave deployment "dep-unrecorded" is not ready (status STATUS_UNSPECIFIED): - status ' +
        "is STATUS_UNSPECIFIED; ready needs STATUS_READY or STATUS_UPDATING or STATUS_CREATING",
    );
    expect(text.match(/Error: Resource precondition failed/g)).toHaveLength(3);
  });
});

describe("drift", () => {
  it("shows No changes when only timestamps and condition messages moved", () => {
    const first = deploymentFixture("dep-drift");
    const stackDir = synthGated(
      "drift",
      new InMemoryDeploymentSource({ "dep-drift": first }),
      "dep-drift",
    );
    expect(terraform(stackDir, "apply", env).output).toContain(
      "Apply complete! Resources: 2 added",
    );

    const moved = deploymentFixture("dep-drift", {
      updatedAt: "2030-01-01T00:00:00Z",
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "Other",
          message: "Another message",
          lastUpdateTime: "2030-01-01T00:00:00Z",
        },
        {
          type: "Progressing",
          status: "True",
          message: "Rolled",
          lastUpdateTime: "2030-01-01T00:00:00Z",
        },
      ],
    });
    synthGated("drift", new InMemoryDeploymentSource({ "dep-drift": moved }), "dep-drift");
    const quiet = run(
      TERRAFORM,
      ["plan", "-input=false", "-no-color", "-detailed-exitcode"],
      stackDir,
      env,
    );
    expect(quiet.output).toContain("No changes.");
    expect(quiet.code).toBe(0);

    const changed = deploymentFixture("dep-drift", { gatewayIds: ["gw-new"] });
    synthGated("drift", new InMemoryDeploymentSource({ "dep-drift": changed }), "dep-drift");
    const drift = run(
      TERRAFORM,
      ["plan", "-input=false", "-no-color", "-detailed-exitcode"],
      stackDir,
      env,
    );
    expect(drift.code).toBe(2);
    expect(drift.output).toContain('+ "gw-new"');
  });
});

describe("Terraform version", () => {
  it("puts >= 1.4/1.5 in terraform.required_version, merged with the user's constraint", () => {
    const source = new InMemoryDeploymentSource({ "dep-v": deploymentFixture("dep-v") });
    const before = synthGated("version-before", source, "dep-v", (stack) =>
      stack.addOverride("terraform.required_version", "~> 1.9"),
    );
    const config = JSON.parse(readFileSync(join(before, "cdk.tf.json"), "utf8"));
    expect(config.terraform.required_version).toBe("~> 1.9, >= 1.4, >= 1.5");
    expect(terraform(before, "plan", env).code).toBe(0);

    // Set after the constructs, too: still merged, never replaced.
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "version-after");
    const deployment = new CoreweaveDeploymentData(stack, "d", { deploymentId: "dep-v", source });
    new DeploymentReadinessGate(stack, "g", { deployment });
    stack.addOverride("terraform.required_version", ">= 1.6");
    app.synth();
    const after = JSON.parse(
      readFileSync(join(outdir, "stacks", "version-after", "cdk.tf.json"), "utf8"),
    );
    expect(after.terraform.required_version).toBe(">= 1.6, >= 1.4, >= 1.5");
  });

  it("is refused by a Terraform older than the constraint, at no synth cost", () => {
    const source = new InMemoryDeploymentSource({ "dep-v": deploymentFixture("dep-v") });
    const dir = synthGated("version-future", source, "dep-v", (stack) =>
      stack.addOverride("terraform.required_version", ">= 99.0"),
    );
    const init = run(TERRAFORM, ["init", "-input=false", "-no-color"], dir, env);
    expect(init.code).not.toBe(0);
    expect(init.output).toContain("Unsupported Terraform Core version");
  });

  it("spawns no `terraform version` per record or gate when app.synth() validates", () => {
    const log = join(temporaryDir("cw-spawns-"), "calls.log");
    const fake = join(temporaryDir("cw-fake-tf-"), "terraform");
    writeFileSync(
      fake,
      `#!/bin/sh\necho "$@" >> ${JSON.stringify(log)}\nexec ${JSON.stringify(TERRAFORM)} "$@"\n`,
    );
    chmodSync(fake, 0o755);
    const synth = (useDataResource: boolean) =>
      spawnSync(
        process.execPath,
        ["--require", "tsx/cjs", join(__dirname, "support", "synth-gated-app.ts")],
        {
          encoding: "utf8",
          timeout: 120_000,
          env: {
            ...process.env,
            TERRAFORM_BINARY_NAME: fake,
            SYNTH_OUTDIR: temporaryDir("cw-spawns-out-"),
            SYNTH_COUNT: "5",
            SYNTH_WITH_DATA_RESOURCE: useDataResource ? "1" : "",
          },
        },
      );
    const ours = synth(false);
    expect(ours.stderr).toBe("");
    expect(ours.status).toBe(0);
    expect(calls(log)).toEqual([]);
    // The control: cdktf's own DataResource does spawn one, so the probe can see spawns.
    const control = synth(true);
    expect(control.status).toBe(0);
    expect(calls(log)).toEqual(["version"]);
  });
});

function calls(log: string): string[] {
  try {
    return readFileSync(log, "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
}
