/**
 * End to end: synthesize stacks against the emulator (a real HTTP server in another process),
 * then run real `terraform plan` and `cdktf plan`. Never skipped: a missing terraform fails.
 */
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import {
  CoreweaveDeploymentData,
  DeploymentReadinessGate,
  LiveDeploymentSource,
  type ReadinessPolicy,
} from "../src";
import { deploymentFixture, startEmulatorProcess, type EmulatorProcess } from "../src/testing";
import { GatedRolloutStack } from "../examples/gated-rollout";
import { offlineTerraformEnv, requireTerraform, run, terraform } from "./support/terraform";
import { walk } from "./support/files";

const TOKEN = "cw-e2e-secret-0c2d7b1a";

type Overrides = Parameters<typeof deploymentFixture>[1];
const notReady = {
  type: "Ready",
  status: "False",
  reason: "ModelLoading",
  message: "Downloading weights",
};

const cases: ReadonlyArray<{ id: string; overrides: Overrides; blockers: string[] }> = [
  { id: "e2e-ready", overrides: {}, blockers: [] },
  {
    id: "e2e-creating",
    overrides: { status: "STATUS_CREATING", conditions: [notReady] },
    blockers: [
      "status is STATUS_CREATING; ready needs STATUS_READY",
      "condition Ready is False (reason: ModelLoading; message: Downloading weights)",
    ],
  },
  {
    id: "e2e-error",
    overrides: { status: "STATUS_ERROR" },
    blockers: ["status is STATUS_ERROR; ready needs STATUS_READY"],
  },
  {
    id: "e2e-failed",
    overrides: {
      status: "STATUS_FAILED",
      conditions: [
        { type: "Ready", status: "False", reason: "ImagePullBackOff", message: "pull failed" },
      ],
    },
    blockers: [
      "status is STATUS_FAILED; ready needs STATUS_READY",
      "condition Ready is False (reason: ImagePullBackOff; message: pull failed)",
    ],
  },
  {
    id: "e2e-disabled",
    overrides: { disabled: true },
    blockers: ["the deployment is disabled (spec.disabled is true)"],
  },
  {
    id: "e2e-false-condition",
    overrides: {
      conditions: [
        { type: "Ready", status: "True" },
        { type: "Progressing", status: "False", reason: "QuotaExceeded", message: "no H100 left" },
      ],
    },
    blockers: ["condition Progressing is False (reason: QuotaExceeded; message: no H100 left)"],
  },
  {
    id: "e2e-unknown-status",
    overrides: { status: "STATUS_PAUSED" },
    blockers: ["status is STATUS_PAUSED; ready needs STATUS_READY"],
  },
];

/** Non-default policies: Terraform's verdict must match the synth-time `gate.verdict`. */
const policyCases: ReadonlyArray<{
  id: string;
  overrides: Overrides;
  policy: ReadinessPolicy;
  blockers: string[];
}> = [
  {
    id: "policy-updating-accepted",
    overrides: { status: "STATUS_UPDATING" },
    policy: { acceptedStatuses: ["STATUS_READY", "STATUS_UPDATING"] },
    blockers: [],
  },
  {
    id: "policy-only-ready-condition",
    overrides: {
      conditions: [
        { type: "Ready", status: "True" },
        { type: "Progressing", status: "False", reason: "Scaling" },
      ],
    },
    policy: { requiredConditions: ["Ready"] },
    blockers: [],
  },
  {
    id: "policy-required-condition-missing",
    overrides: { conditions: [{ type: "Ready", status: "True" }] },
    policy: { requiredConditions: ["Ready", "example.com/Available"] },
    blockers: ["required condition example.com/Available is not reported"],
  },
  {
    id: "policy-conditions-ignored",
    overrides: { conditions: [notReady] },
    policy: { requiredConditions: [] },
    blockers: [],
  },
  {
    id: "policy-disabled-allowed",
    overrides: { disabled: true },
    policy: { allowDisabled: true },
    blockers: [],
  },
  {
    id: "policy-unknown-status-still-blocked",
    overrides: { status: "STATUS_PAUSED" },
    policy: { acceptedStatuses: ["STATUS_READY", "STATUS_UPDATING"], requiredConditions: [] },
    blockers: ["status is STATUS_PAUSED; ready needs STATUS_READY or STATUS_UPDATING"],
  },
];
const synthVerdicts = new Map<string, boolean>();

let emulator: EmulatorProcess;
let outdir: string;
const env = offlineTerraformEnv();

beforeAll(async () => {
  requireTerraform();
  emulator = await startEmulatorProcess({
    token: TOKEN,
    deployments: Object.fromEntries(
      [...cases, ...policyCases].map(({ id, overrides }) => [
        id,
        { deployment: deploymentFixture(id, overrides).deployment },
      ]),
    ),
  });
  LiveDeploymentSource.shared.clearCache();
  outdir = mkdtempSync(join(tmpdir(), "cw-e2e-"));
  synthRollouts(cases.map(({ id }) => id));
  synthPolicyGates();
});
afterAll(() => emulator?.stop());

/** Synthesizes the gated-rollout example once per deployment ID, against the emulator. */
function synthRollouts(ids: readonly string[]): void {
  const app = new App({ outdir });
  process.env.COREWEAVE_API_ENDPOINT = emulator.url;
  process.env.COREWEAVE_API_TOKEN = TOKEN;
  try {
    for (const id of ids) {
      const stack = new GatedRolloutStack(app, id, { deploymentId: id });
      // State inside the temporary outdir, not CDKTF's default in the current directory.
      new LocalBackend(stack, { path: statePath(id) });
    }
  } finally {
    delete process.env.COREWEAVE_API_ENDPOINT;
    delete process.env.COREWEAVE_API_TOKEN;
  }
  app.synth();
}

/** A bare lookup and gate per policy case, synthesized into the same outdir. */
function synthPolicyGates(): void {
  const app = new App({ outdir });
  for (const { id, policy } of policyCases) {
    const stack = new TerraformStack(app, id);
    new LocalBackend(stack, { path: statePath(id) });
    const deployment = new CoreweaveDeploymentData(stack, "deployment", {
      deploymentId: id,
      endpoint: emulator.url,
      apiToken: TOKEN,
    });
    const gate = new DeploymentReadinessGate(stack, "gate", { deployment, ...policy });
    synthVerdicts.set(id, gate.verdict.ready);
  }
  app.synth();
}

describe("terraform plan of a gate with a non-default policy", () => {
  it.each(policyCases)("$id", ({ id, blockers }) => {
    const plan = terraform(join(outdir, "stacks", id), "plan", env);
    const passed = plan.code === 0;
    expect(passed).toBe(blockers.length === 0);
    // Terraform's evaluation of the HCL condition agrees with evaluateReadiness at synth time.
    expect(synthVerdicts.get(id)).toBe(passed);
    if (passed) {
      expect(plan.output).toContain("Plan: 2 to add");
    } else {
      for (const blocker of blockers) expect(plan.output).toContain(`  - ${blocker}`);
    }
  });
});

describe("terraform plan of a gated rollout", () => {
  it.each(cases)("$id", ({ id, blockers }) => {
    const plan = terraform(join(outdir, "stacks", id), "plan", env);
    if (blockers.length === 0) {
      expect(plan.output).toContain("Plan: 3 to add");
      expect(plan.code).toBe(0);
      return;
    }
    expect(plan.code).not.toBe(0);
    expect(plan.output).toContain("Resource precondition failed");
    expect(plan.output).toContain(`CoreWeave deployment "${id}" is not ready`);
    for (const blocker of blockers) expect(plan.output).toContain(`  - ${blocker}`);
  });

  it("applies a READY rollout, and the state holds the snapshot but no token", () => {
    const stackDir = join(outdir, "stacks", "e2e-ready");
    const apply = terraform(stackDir, "apply", env);
    expect(apply.output).toContain("Apply complete! Resources: 3 added");
    const state = readFileSync(statePath("e2e-ready"), "utf8");
    expect(state).toContain('"STATUS_READY"');
    expect(state).not.toContain(TOKEN);
  });

  it("shows, after an apply, what changed in the deployment", async () => {
    await emulator.setDeployment("e2e-ready", {
      deployment: deploymentFixture("e2e-ready", { gatewayIds: ["gw-3f9c2a1b", "gw-new"] })
        .deployment,
    });
    LiveDeploymentSource.shared.clearCache();
    synthRollouts(["e2e-ready"]);
    const plan = terraform(join(outdir, "stacks", "e2e-ready"), "plan", env);
    expect(plan.code).toBe(0);
    expect(plan.output).toMatch(/# terraform_data\.deployment_record_\w+ will be updated in-place/);
    expect(plan.output).toContain(`~ "gw-7d41e0c5" -> "gw-new"`);
  });

  it("leaves no token in cdktf.out, state or Terraform's working files", () => {
    for (const file of walk(outdir)) {
      if (statSync(file).size > 5_000_000) continue; // provider binaries: none expected, but bounded
      expect(readFileSync(file, "utf8")).not.toContain(TOKEN);
    }
  });
});

describe("cdktf plan (the real CLI) of the examples app", () => {
  const repo = join(__dirname, "..");
  const cdktfPlan = (rolloutId: string) =>
    run(
      join(repo, "node_modules", ".bin", "cdktf"),
      ["plan", "rollout", "--output", mkdtempSync(join(tmpdir(), "cw-cli-"))],
      repo,
      {
        ...env,
        COREWEAVE_API_ENDPOINT: emulator.url,
        COREWEAVE_API_TOKEN: TOKEN,
        MODEL_DEPLOYMENT_ID: "e2e-ready",
        ROLLOUT_DEPLOYMENT_ID: rolloutId,
        CI: "1",
        FORCE_COLOR: "0",
      },
    );

  it("passes for a READY deployment", () => {
    const plan = cdktfPlan("e2e-ready");
    expect(plan.output).toMatch(/Plan: 3 to add/);
    expect(plan.code).toBe(0);
  });

  it("fails for a CREATING deployment, with the reason", () => {
    const plan = cdktfPlan("e2e-creating");
    expect(plan.code).not.toBe(0);
    expect(plan.output).toContain('CoreWeave deployment "e2e-creating" is not ready');
    expect(plan.output).toContain("condition Ready is False (reason: ModelLoading");
    expect(plan.output).not.toContain(TOKEN);
  });
});

function statePath(stackId: string): string {
  return join(outdir, `${stackId}.tfstate`);
}
