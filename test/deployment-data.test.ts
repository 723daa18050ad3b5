import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { DataResource, TerraformOutput, TerraformStack, Testing } from "cdktf";
import {
  ConfigurationError,
  CoreweaveDeploymentData,
  DeploymentLookupError,
  DeploymentNotFoundError,
  DeploymentReadinessGate,
  InvalidDeploymentIdError,
  LiveDeploymentSource,
} from "../src";
import { deploymentFixture, startEmulatorProcess, type EmulatorProcess } from "../src/testing";
import { walk } from "./support/files";

const TOKEN = "cw-synth-secret-5d41402a";
let emulator: EmulatorProcess;

beforeAll(async () => {
  emulator = await startEmulatorProcess({ token: TOKEN });
});
afterAll(() => emulator.stop());
beforeEach(async () => {
  await emulator.reset();
  await emulator.clearRequestLog();
  LiveDeploymentSource.shared.clearCache();
});

function lookup(scope: TerraformStack, id: string, deploymentId: string, apiToken = TOKEN) {
  return new CoreweaveDeploymentData(scope, id, { deploymentId, endpoint: emulator.url, apiToken });
}

describe("CoreweaveDeploymentData", () => {
  it("exposes every field as a plain typed value", async () => {
    const fixture = deploymentFixture("dep-typed");
    await emulator.setDeployment("dep-typed", { deployment: fixture.deployment });
    const stack = new TerraformStack(Testing.app(), "s");
    const d = lookup(stack, "dep", "dep-typed");
    const spec = fixture.deployment.spec!;
    const status = fixture.deployment.status!;
    expect(d.deploymentId).toBe("dep-typed");
    expect(d.name).toBe(spec.name);
    expect(d.gatewayIds).toEqual(spec.gatewayIds);
    expect(d.model).toEqual(spec.model);
    expect(d.runtime).toEqual(spec.runtime);
    expect(d.resources).toEqual(spec.resources);
    expect(d.autoscaling).toEqual(spec.autoscaling);
    expect(d.traffic).toEqual(spec.traffic);
    expect(d.organizationId).toBe(spec.organizationId);
    expect(d.disabled).toBe(false);
    expect(d.status).toBe("STATUS_READY");
    expect(d.conditions).toEqual(status.conditions);
    expect(d.conditions[0].zone).toBeDefined();
    expect(d.createdAt).toBe(status.createdAt);
    expect(d.updatedAt).toBe(status.updatedAt);
    expect(d.isReady).toBe(true);
    expect(d.deployment.spec.id).toBe("dep-typed");
    expect(Object.isFrozen(d.deployment.spec.gatewayIds)).toBe(true);
  });

  it("feeds other constructs with literals in cdk.tf.json", async () => {
    await emulator.setDeployment("dep-feed", deploymentFixture("dep-feed"));
    const synth = Testing.synthScope((scope) => {
      const d = new CoreweaveDeploymentData(scope, "dep", {
        deploymentId: "dep-feed",
        endpoint: emulator.url,
        apiToken: TOKEN,
      });
      for (const gatewayId of d.gatewayIds) {
        new DataResource(scope, `route-${gatewayId}`, { input: { gateway: gatewayId } });
      }
      new DataResource(scope, "config", {
        input: { bucket: d.model?.bucket, path: d.model?.path, status: d.status },
      });
    });
    const fixture = deploymentFixture("dep-feed").deployment.spec!;
    for (const gatewayId of fixture.gatewayIds!) {
      expect(synth).toHaveResourceWithProperties(DataResource, { input: { gateway: gatewayId } });
    }
    expect(synth).toHaveResourceWithProperties(DataResource, {
      input: { bucket: fixture.model!.bucket, path: fixture.model!.path, status: "STATUS_READY" },
    });
    expect(synth).not.toContain("${");
  });

  it("records a non-secret snapshot in a terraform_data resource", async () => {
    await emulator.setDeployment("dep-rec", deploymentFixture("dep-rec"));
    const synth = Testing.synthScope((scope) => {
      new CoreweaveDeploymentData(scope, "dep", {
        deploymentId: "dep-rec",
        endpoint: emulator.url,
        apiToken: TOKEN,
      });
    });
    expect(synth).toHaveResourceWithProperties(DataResource, {
      input: {
        spec: expect.objectContaining({ id: "dep-rec", gatewayIds: expect.any(Array) }),
        status: expect.objectContaining({ status: "STATUS_READY" }),
      },
    });
    expect(synth).not.toContain(TOKEN);
  });

  it("escapes Terraform template syntax that comes from the API", async () => {
    await emulator.setDeployment(
      "dep-tpl",
      deploymentFixture("dep-tpl", {
        status: "STATUS_CREATING",
        conditions: [
          { type: "Ready", status: "False", reason: "X", message: "see ${var.x} %{ if }" },
        ],
      }),
    );
    const stack = new TerraformStack(Testing.app(), "s");
    const d = lookup(stack, "dep", "dep-tpl");
    expect(d.conditions[0].message).toBe("see ${var.x} %{ if }");
    const synth = Testing.synth(stack);
    expect(synth).toContain("see $${var.x} %%{ if }");
    expect(synth).not.toContain("see ${var.x}");
  });

  it("sends one request for the same ID looked up twice in one process", async () => {
    await emulator.setDeployment("dep-twice", deploymentFixture("dep-twice"));
    const stack = new TerraformStack(Testing.app(), "s");
    lookup(stack, "a", "dep-twice");
    lookup(stack, "b", "dep-twice");
    const gets = (await emulator.requestLog()).filter((e) => e.deploymentId === "dep-twice");
    expect(gets).toHaveLength(1);
  });

  it("answers a batch of lookups in one worker round trip, each ID once", async () => {
    const ids = ["b-1", "b-2", "b-3", "b-1"];
    for (const id of new Set(ids)) await emulator.setDeployment(id, deploymentFixture(id));
    const results = new LiveDeploymentSource().lookup(
      ids.map((deploymentId) => ({
        deploymentId,
        connection: { endpoint: emulator.url, apiToken: TOKEN },
      })),
    );
    expect(results.map((r) => r.ok && r.deployment.spec.id)).toEqual(ids);
    expect((await emulator.requestLog()).map((e) => e.deploymentId).sort()).toEqual([
      "b-1",
      "b-2",
      "b-3",
    ]);
  });

  it("fails synth with one message naming the construct path and the cause", () => {
    const stack = new TerraformStack(Testing.app(), "my-stack");
    const error = thrown(() => lookup(stack, "missing-dep", "does-not-exist"));
    expect(error).toBeInstanceOf(DeploymentLookupError);
    expect(error.message).toMatch(
      /^my-stack\/missing-dep: CoreWeave GET deployment "does-not-exist" failed: HTTP 404 NOT_FOUND/,
    );
    expect(error.reason).toBeInstanceOf(DeploymentNotFoundError);
    expect(error.constructPath).toBe("my-stack/missing-dep");
    // What a failed `cdktf synth` prints: the message, once, without internal frames.
    expect(inspect(error)).toBe(`[DeploymentLookupError: ${error.message}]`);
  });

  it("fails with a clear error, before any request, on a bad ID or a missing token", async () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const badId = thrown(() => lookup(stack, "bad", "../etc"));
    expect(badId.message).toMatch(/^s\/bad: Invalid CoreWeave deployment ID "..\/etc"/);
    expect(badId.reason).toBeInstanceOf(InvalidDeploymentIdError);

    const saved = process.env.COREWEAVE_API_TOKEN;
    delete process.env.COREWEAVE_API_TOKEN;
    try {
      const noToken = thrown(
        () =>
          new CoreweaveDeploymentData(stack, "no-token", {
            deploymentId: "x",
            endpoint: emulator.url,
          }),
      );
      expect(noToken.reason).toBeInstanceOf(ConfigurationError);
      expect(noToken.message).toMatch(
        /^s\/no-token: No CoreWeave API token: set COREWEAVE_API_TOKEN/,
      );
    } finally {
      if (saved !== undefined) process.env.COREWEAVE_API_TOKEN = saved;
    }
    expect(await emulator.requestLog()).toHaveLength(0);
  });

  it.each([
    ["attemptTimeoutMs", { attemptTimeoutMs: 0 }, "from 1 to 2147483647 (got 0)"],
    ["deadlineMs", { deadlineMs: 1.5 }, "from 1 to 2147483647 (got 1.5)"],
    ["maxRetries", { maxRetries: -1 }, ">= 0 (got -1)"],
    ["maxResponseBytes", { maxResponseBytes: 0 }, ">= 1 (got 0)"],
  ])(
    "rejects a bad %s prop with ConfigurationError, before any request",
    async (name, prop, range) => {
      const stack = new TerraformStack(Testing.app(), "s");
      const error = thrown(
        () =>
          new CoreweaveDeploymentData(stack, "dep", {
            deploymentId: "x",
            endpoint: emulator.url,
            apiToken: TOKEN,
            ...prop,
          }),
      );
      expect(error.reason).toBeInstanceOf(ConfigurationError);
      expect(error.message).toBe(`s/dep: ${name} must be an integer ${range}.`);
      expect(await emulator.requestLog()).toHaveLength(0);
    },
  );

  it("keeps the token out of cdktf.out, inspect output and errors", async () => {
    await emulator.setDeployment("dep-secret", deploymentFixture("dep-secret"));
    await emulator.addFault({
      type: "status",
      httpStatus: 403,
      message: `denied for ${TOKEN}`,
      deploymentId: "dep-denied",
    });
    const app = Testing.app();
    const stack = new TerraformStack(app, "secret-stack");
    const d = lookup(stack, "dep", "dep-secret");
    new DeploymentReadinessGate(stack, "gate", { deployment: d });
    new TerraformOutput(stack, "status", { value: d.status });
    const denied = thrown(() => lookup(stack, "denied", "dep-denied"));
    const outdir = Testing.fullSynth(stack);
    for (const file of walk(outdir)) expect(readFileSync(file, "utf8")).not.toContain(TOKEN);
    expect(inspect(d, { depth: 6, showHidden: true })).not.toContain(TOKEN);
    expect(inspect(denied, { depth: 6, showHidden: true })).not.toContain(TOKEN);
    expect(denied.message).toContain("denied for [REDACTED]");
    expect(JSON.stringify(denied.reason)).not.toContain(TOKEN);
    expect(JSON.stringify(await emulator.requestLog())).not.toContain(TOKEN);
  });
});

describe("DeploymentReadinessGate synth", () => {
  it("adds a terraform_data precondition that dependent resources can wait on", async () => {
    await emulator.setDeployment("dep-gate", deploymentFixture("dep-gate"));
    const stack = new TerraformStack(Testing.app(), "s");
    const d = lookup(stack, "dep", "dep-gate");
    const gate = new DeploymentReadinessGate(stack, "gate", { deployment: d });
    new DataResource(stack, "rollout", { dependsOn: [gate] });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(DataResource, {
      input: { deployment_id: "dep-gate", status: "STATUS_READY" },
      lifecycle: {
        precondition: [
          {
            condition: expect.stringContaining('contains(["STATUS_READY"], terraform_data.'),
            error_message: expect.stringContaining('"dep-gate"'),
          },
        ],
      },
    });
    expect(synth).toHaveResourceWithProperties(DataResource, {
      depends_on: [`${DataResource.tfResourceType}.${gate.resource.friendlyUniqueId}`],
    });
    expect(gate.verdict.ready).toBe(true);
  });

  it("renders the policy into the condition", async () => {
    await emulator.setDeployment("dep-policy", deploymentFixture("dep-policy"));
    const stack = new TerraformStack(Testing.app(), "s");
    const d = lookup(stack, "dep", "dep-policy");
    const gate = new DeploymentReadinessGate(stack, "gate", {
      deployment: d,
      acceptedStatuses: ["STATUS_READY", "STATUS_UPDATING"],
      requiredConditions: ["Ready"],
      allowDisabled: true,
    });
    const synth = JSON.parse(Testing.synth(stack));
    const gateResource = synth.resource.terraform_data[gate.resource.friendlyUniqueId];
    const condition: string = gateResource.lifecycle.precondition[0].condition;
    expect(condition).toContain('contains(["STATUS_READY", "STATUS_UPDATING"], terraform_data.');
    expect(condition).toContain('if contains(["Ready"], c.type)');
    expect(condition).not.toContain(".input.spec.disabled");
    expect(gate.policy).toEqual({
      acceptedStatuses: ["STATUS_READY", "STATUS_UPDATING"],
      requiredConditions: ["Ready"],
      allowDisabled: true,
    });
  });

  it("offers a null_resource variant and adds the null provider once", async () => {
    await emulator.setDeployment("dep-null", deploymentFixture("dep-null"));
    const stack = new TerraformStack(Testing.app(), "s");
    const d = lookup(stack, "dep", "dep-null");
    new DeploymentReadinessGate(stack, "gate-a", { deployment: d, resourceType: "null_resource" });
    new DeploymentReadinessGate(stack, "gate-b", { deployment: d, resourceType: "null_resource" });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(NullResource, {
      triggers: { deployment_id: "dep-null", status: "STATUS_READY" },
      lifecycle: { precondition: [expect.objectContaining({ condition: expect.any(String) })] },
    });
    expect(Object.keys(JSON.parse(synth).provider)).toEqual(["null"]);
    expect(JSON.parse(synth).provider.null).toHaveLength(1);
    expect(synth).toHaveProvider(NullProvider);
  });

  it("must sit in the same stack as its lookup", async () => {
    await emulator.setDeployment("dep-x", deploymentFixture("dep-x"));
    const app = Testing.app();
    const d = lookup(new TerraformStack(app, "data"), "dep", "dep-x");
    expect(
      () =>
        new DeploymentReadinessGate(new TerraformStack(app, "rollout"), "gate", { deployment: d }),
    ).toThrow(
      /^rollout\/gate: the gate must be in the same stack as the lookup it gates \(data\/dep\)/,
    );
  });

  it("rejects a policy that accepts an unknown status, naming the construct", async () => {
    await emulator.setDeployment("dep-bad-policy", deploymentFixture("dep-bad-policy"));
    const stack = new TerraformStack(Testing.app(), "s");
    const d = lookup(stack, "dep", "dep-bad-policy");
    expect(
      () =>
        new DeploymentReadinessGate(stack, "gate", { deployment: d, acceptedStatuses: ["READY"] }),
    ).toThrow(
      /^s\/gate: acceptedStatuses contains "READY", which is not a known deployment status/,
    );
  });
});

function thrown(fn: () => unknown): DeploymentLookupError {
  try {
    fn();
  } catch (error) {
    return error as DeploymentLookupError;
  }
  throw new Error("expected the lookup to fail");
}
