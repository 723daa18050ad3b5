/**
 * The constructs' shape: outputs, record, gate rendering and refusals. Facts come from the
 * in-memory source, so these tests need no server; the HTTP path is covered in
 * live-lookup.test.ts and the plans in e2e-plan.test.ts.
 */
import { inspect } from "node:util";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { DataResource, TerraformStack, TerraformVariable, Testing } from "cdktf";
import {
  CoreweaveDeploymentData,
  DeploymentFieldMissingError,
  DeploymentLookupError,
  DeploymentReadinessGate,
  type DeploymentSource,
} from "../src";
import { ConfigurationError, DeploymentNotFoundError, InvalidResponseError } from "../src/client";
import { deploymentFixture, InMemoryDeploymentSource } from "../src/testing";
import { lookupFailure } from "./support/failures";

function lookup(
  scope: TerraformStack,
  id: string,
  deploymentId: string,
  source: DeploymentSource,
): CoreweaveDeploymentData {
  return new CoreweaveDeploymentData(scope, id, { deploymentId, source });
}

function stack(name = "s"): TerraformStack {
  return new TerraformStack(Testing.app(), name);
}

describe("CoreweaveDeploymentData outputs", () => {
  it("exposes every field as a plain typed value", () => {
    const fixture = deploymentFixture("dep-typed");
    const d = lookup(
      stack(),
      "dep",
      "dep-typed",
      new InMemoryDeploymentSource({ "dep-typed": fixture }),
    );
    const spec = fixture.deployment.spec;
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
  });

  it("has flat, required outputs for the fields users feed to other constructs", () => {
    const fixture = deploymentFixture("dep-flat");
    const d = lookup(
      stack(),
      "dep",
      "dep-flat",
      new InMemoryDeploymentSource({ "dep-flat": fixture }),
    );
    const spec = fixture.deployment.spec;
    expect(d.modelName).toBe(spec.model!.name);
    expect(d.modelBucket).toBe(spec.model!.bucket);
    expect(d.modelPath).toBe(spec.model!.path);
    expect(d.runtimeEngine).toBe(spec.runtime!.engine);
    expect(d.instanceType).toBe(spec.resources!.instanceType);
    expect(d.gpuCount).toBe(spec.resources!.gpuCount);
  });

  it.each([
    ["modelName", "model", "spec.model"],
    ["modelBucket", "model", "spec.model"],
    ["modelPath", "model", "spec.model"],
    ["runtimeEngine", "runtime", "spec.runtime"],
    ["instanceType", "resources", "spec.resources"],
    ["gpuCount", "resources", "spec.resources"],
  ] as const)(
    "fails synth when %s is read from a deployment without %s",
    (output, optional, field) => {
      const body = deploymentFixture("dep-bare");
      delete body.deployment.spec[optional];
      const d = lookup(
        stack("app"),
        "llama",
        "dep-bare",
        new InMemoryDeploymentSource({ "dep-bare": body }),
      );
      expect(d[optional]).toBeUndefined();
      let error: unknown;
      try {
        void d[output];
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DeploymentFieldMissingError);
      expect((error as Error).message).toBe(
        `app/llama: CoreWeave deployment "dep-bare" has no ${field}, so ${output} has no value. ` +
          `Give the deployment a ${optional} in CoreWeave, or read ${optional} (undefined when ` +
          "absent) to handle deployments without one.",
      );
      expect(error).toMatchObject({ constructPath: "app/llama", deploymentId: "dep-bare", field });
    },
  );

  it("gives frozen arrays typed as mutable, so they feed string[] props but cannot be changed", () => {
    const source = new InMemoryDeploymentSource({ "dep-1": deploymentFixture("dep-1") });
    const d = lookup(stack(), "dep", "dep-1", source);
    const ids: string[] = d.gatewayIds; // compiles: no readonly
    expect(Object.isFrozen(ids)).toBe(true);
    expect(() => ids.push("gw-x")).toThrow(/not extensible/);
    expect(Object.isFrozen(d.deployment.spec.gatewayIds)).toBe(true);
  });

  it("feeds other constructs with literals in cdk.tf.json", () => {
    const source = new InMemoryDeploymentSource({ "dep-feed": deploymentFixture("dep-feed") });
    const synth = Testing.synthScope((scope) => {
      const d = new CoreweaveDeploymentData(scope, "dep", { deploymentId: "dep-feed", source });
      for (const gatewayId of d.gatewayIds) {
        new DataResource(scope, `route-${gatewayId}`, { input: { gateway: gatewayId } });
      }
      new DataResource(scope, "config", {
        input: { uri: `s3://${d.modelBucket}/${d.modelPath}`, status: d.status },
      });
    });
    const spec = deploymentFixture("dep-feed").deployment.spec;
    for (const gatewayId of spec.gatewayIds!) {
      expect(synth).toHaveResourceWithProperties(DataResource, { input: { gateway: gatewayId } });
    }
    expect(synth).toHaveResourceWithProperties(DataResource, {
      input: { uri: `s3://${spec.model!.bucket}/${spec.model!.path}`, status: "STATUS_READY" },
    });
    expect(synth).not.toContain("${");
  });

  it("records what the gate reads and what a reviewer wants to see change, no timestamps", () => {
    const fixture = deploymentFixture("dep-rec");
    const source = new InMemoryDeploymentSource({ "dep-rec": fixture });
    const synth = JSON.parse(
      Testing.synthScope((scope) => {
        new CoreweaveDeploymentData(scope, "dep", { deploymentId: "dep-rec", source });
      }),
    );
    const [record] = Object.values(synth.resource.terraform_data) as { input: unknown }[];
    const { spec } = fixture.deployment;
    expect(record.input).toEqual({
      deployment_id: "dep-rec",
      name: spec.name,
      status: "STATUS_READY",
      disabled: false,
      conditions: [
        { type: "Ready", status: "True" },
        { type: "Progressing", status: "True" },
      ],
      gateway_ids: spec.gatewayIds,
      model: spec.model,
      runtime: spec.runtime,
      resources: spec.resources,
      autoscaling: spec.autoscaling,
      traffic: spec.traffic,
    });
  });

  it("fails synth with one line naming the construct path and the cause", () => {
    const error = lookupFailure(() =>
      lookup(stack("my-stack"), "missing-dep", "does-not-exist", new InMemoryDeploymentSource()),
    );
    expect(error).toBeInstanceOf(DeploymentLookupError);
    expect(error.message).toMatch(/^my-stack\/missing-dep: CoreWeave deployment "does-not-exist"/);
    expect(error.reason).toBeInstanceOf(DeploymentNotFoundError);
    expect(error.constructPath).toBe("my-stack/missing-dep");
    // What a failed `cdktf synth` prints: the message, once, without internal frames.
    expect(inspect(error)).toBe(`[DeploymentLookupError: ${error.message}]`);
  });
});

describe("untrusted text from the API", () => {
  const hostile = {
    name: '${file("secrets.txt")}',
    bucket: '${upper("x")}',
    message: "see ${var.x} %{ if true }y%{ endif }",
  };
  function hostileLookup(): CoreweaveDeploymentData {
    const body = deploymentFixture("dep-tpl", {
      name: hostile.name,
      gatewayIds: ["gw-${1+1}"],
      model: { name: "m", bucket: hostile.bucket, path: "p" },
      status: "STATUS_CREATING",
      conditions: [{ type: "Ready", status: "False", reason: "X", message: hostile.message }],
    });
    return lookup(stack(), "dep", "dep-tpl", new InMemoryDeploymentSource({ "dep-tpl": body }));
  }

  it("escapes template syntax in every output, and keeps the raw text in `deployment`", () => {
    const d = hostileLookup();
    expect(d.name).toBe('$${file("secrets.txt")}');
    expect(d.modelBucket).toBe('$${upper("x")}');
    expect(d.gatewayIds).toEqual(["gw-$${1+1}"]);
    expect(d.conditions[0].message).toBe("see $${var.x} %%{ if true }y%%{ endif }");
    expect(d.deployment.spec.name).toBe(hostile.name);
    expect(d.deployment.status.conditions[0].message).toBe(hostile.message);
    const synth = Testing.synth(TerraformStack.of(d));
    expect(synth).toContain('"name": "$${file(\\"secrets.txt\\")}"');
    expect(synth).not.toMatch(/[^$]\$\{file/);
  });

  it.each([
    ["a CDKTF string token the stack does not know", "${TfToken[TOKEN.987654]}"],
    ["the token of the stack's own sensitive variable", "${TfToken[TOKEN.0]}"],
    ["a list token", "#{TfToken[TOKEN.3]}"],
    ["a map token", "&{TfToken[TOKEN.3]}"],
    ["an encoded number token", "gpu=NUMBER_TOKEN"],
  ])("refuses %s as InvalidResponseError naming the field", (_what, shape) => {
    const s = stack("tok");
    new TerraformVariable(s, "db_password", { type: "string", sensitive: true });
    const count = new TerraformVariable(s, "count", { type: "number" });
    const text = shape.replace("NUMBER_TOKEN", String(count.numberValue));
    const body = deploymentFixture("dep-tok");
    body.deployment.spec.runtime = { engine: "vllm", engineConfig: { "max-model-len": text } };
    const error = lookupFailure(() =>
      lookup(s, "dep", "dep-tok", new InMemoryDeploymentSource({ "dep-tok": body })),
    );
    expect(error.reason).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toBe(
      'tok/dep: CoreWeave deployment "dep-tok" has text shaped like a CDKTF token in ' +
        'spec.runtime.engineConfig["max-model-len"]. CDKTF would replace it with a value from ' +
        "your stack, so the lookup is refused. Check the deployment's configuration in CoreWeave.",
    );
  });

  it("refuses token-shaped text in a name and in a map key", () => {
    const named = deploymentFixture("dep-a", { name: "${TfToken[TOKEN.0]}" });
    const keyed = deploymentFixture("dep-b");
    keyed.deployment.spec.runtime = {
      engine: "vllm",
      engineConfig: { "${TfToken[TOKEN.1]}": "1" },
    };
    const source = new InMemoryDeploymentSource({ "dep-a": named, "dep-b": keyed });
    expect(lookupFailure(() => lookup(stack(), "a", "dep-a", source)).message).toContain(
      " in spec.name.",
    );
    expect(lookupFailure(() => lookup(stack(), "b", "dep-b", source)).message).toContain(
      ' in spec.runtime.engineConfig["${TfToken[TOKEN.1]}"].',
    );
  });
});

describe("input checks before any lookup", () => {
  it.each(["deploymentId", "endpoint", "apiToken"] as const)(
    "refuses an unresolved token as %s, naming the prop",
    (prop) => {
      const s = stack();
      const variable = new TerraformVariable(s, "v", { type: "string" });
      const source = new InMemoryDeploymentSource({ "dep-1": deploymentFixture("dep-1") });
      const error = lookupFailure(
        () =>
          new CoreweaveDeploymentData(s, "dep", {
            deploymentId: "dep-1",
            source,
            [prop]: variable.stringValue,
          }),
      );
      expect(error.reason).toBeInstanceOf(ConfigurationError);
      expect(error.message).toMatch(
        new RegExp(`^s/dep: ${prop} is an unresolved token \\(e\\.g\\. a TerraformVariable`),
      );
      expect(source.requestedIds).toEqual([]);
    },
  );

  it("refuses an unresolved number token as a numeric prop", () => {
    const s = stack();
    const variable = new TerraformVariable(s, "n", { type: "number" });
    const error = lookupFailure(
      () =>
        new CoreweaveDeploymentData(s, "dep", {
          deploymentId: "dep-1",
          source: new InMemoryDeploymentSource(),
          deadlineMs: variable.numberValue,
        }),
    );
    expect(error.message).toMatch(/^s\/dep: deadlineMs is an unresolved token/);
  });
});

describe("DeploymentReadinessGate synth", () => {
  const ready = () => new InMemoryDeploymentSource({ "dep-gate": deploymentFixture("dep-gate") });

  it("adds a terraform_data precondition that dependent resources can wait on", () => {
    const s = stack();
    const d = lookup(s, "dep", "dep-gate", ready());
    const gate = new DeploymentReadinessGate(s, "gate", { deployment: d });
    new DataResource(s, "rollout", { dependsOn: [gate] });
    const synth = Testing.synth(s);
    expect(synth).toHaveResourceWithProperties(DataResource, {
      input: { deployment_id: "dep-gate", status: "STATUS_READY" },
      lifecycle: {
        precondition: [
          {
            condition: expect.stringContaining("(local.coreweave_plan_epoch_seconds - "),
            error_message: expect.stringContaining('"dep-gate" was looked up at'),
          },
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

  it("renders the policy into the condition", () => {
    const s = stack();
    const d = lookup(s, "dep", "dep-gate", ready());
    const gate = new DeploymentReadinessGate(s, "gate", {
      deployment: d,
      acceptedStatuses: ["STATUS_READY", "STATUS_UPDATING"],
      requiredConditions: ["Ready"],
      allowDisabled: true,
    });
    const synth = JSON.parse(Testing.synth(s));
    const gateResource = synth.resource.terraform_data[gate.resource.friendlyUniqueId];
    const condition: string = gateResource.lifecycle.precondition[1].condition;
    expect(condition).toContain('contains(["STATUS_READY", "STATUS_UPDATING"], terraform_data.');
    expect(condition).toContain('if contains(["Ready"], c.type)');
    expect(condition).not.toContain(".input.spec.disabled");
    expect(gate.policy).toEqual({
      acceptedStatuses: ["STATUS_READY", "STATUS_UPDATING"],
      requiredConditions: ["Ready"],
      allowDisabled: true,
    });
  });

  it("offers a null_resource variant and adds the null provider once", () => {
    const s = stack();
    const d = lookup(s, "dep", "dep-gate", ready());
    new DeploymentReadinessGate(s, "gate-a", { deployment: d, resourceType: "null_resource" });
    new DeploymentReadinessGate(s, "gate-b", { deployment: d, resourceType: "null_resource" });
    const synth = Testing.synth(s);
    expect(synth).toHaveResourceWithProperties(NullResource, {
      triggers: { deployment_id: "dep-gate", status: "STATUS_READY" },
      lifecycle: {
        precondition: [
          expect.objectContaining({ condition: expect.stringContaining("plan_epoch_seconds") }),
          expect.objectContaining({ condition: expect.stringContaining("STATUS_READY") }),
        ],
      },
    });
    expect(Object.keys(JSON.parse(synth).provider)).toEqual(["null"]);
    expect(JSON.parse(synth).provider.null).toHaveLength(1);
    expect(synth).toHaveProvider(NullProvider);
  });

  it("must sit in the same stack as its lookup", () => {
    const app = Testing.app();
    const d = lookup(new TerraformStack(app, "data"), "dep", "dep-gate", ready());
    expect(
      () =>
        new DeploymentReadinessGate(new TerraformStack(app, "rollout"), "gate", { deployment: d }),
    ).toThrow(
      /^rollout\/gate: the gate must be in the same stack as the lookup it gates \(data\/dep\)/,
    );
  });

  it("takes the policy of the lookup it gates, field by field, unless its props set one", () => {
    const s = stack();
    const source = new InMemoryDeploymentSource({
      "dep-p": deploymentFixture("dep-p", { status: "STATUS_UPDATING" }),
    });
    const d = new CoreweaveDeploymentData(s, "dep", {
      deploymentId: "dep-p",
      source,
      wait: {
        timeoutMs: 1000,
        acceptedStatuses: ["STATUS_READY", "STATUS_UPDATING"],
        requiredConditions: ["Ready"],
      },
    });
    const policy = {
      acceptedStatuses: ["STATUS_READY", "STATUS_UPDATING"],
      requiredConditions: ["Ready"],
      allowDisabled: false,
    };
    expect(d.policy).toEqual(policy);
    const gate = new DeploymentReadinessGate(s, "gate", { deployment: d });
    expect(gate.policy).toEqual(policy);
    expect(gate.verdict.ready).toBe(true);
    const strict = new DeploymentReadinessGate(s, "strict", {
      deployment: d,
      acceptedStatuses: ["STATUS_READY"],
    });
    expect(strict.policy).toEqual({ ...policy, acceptedStatuses: ["STATUS_READY"] });
    expect(strict.verdict.ready).toBe(false);
    expect(lookup(s, "plain", "dep-gate", ready()).policy).toEqual({
      acceptedStatuses: ["STATUS_READY"],
      requiredConditions: undefined,
      allowDisabled: false,
    });
  });

  it("rejects a status that is not status-shaped, naming the construct", () => {
    const s = stack();
    const d = lookup(s, "dep", "dep-gate", ready());
    expect(
      () => new DeploymentReadinessGate(s, "gate", { deployment: d, acceptedStatuses: ["READY"] }),
    ).toThrow(/^s\/gate: acceptedStatuses contains "READY", which is not a status that can count/);
  });

  it("accepts a status unknown to this version when named, with a warning on the construct", () => {
    const s = stack();
    const d = lookup(s, "dep", "dep-gate", ready());
    const gate = new DeploymentReadinessGate(s, "gate", {
      deployment: d,
      acceptedStatuses: ["STATUS_READY", "STATUS_RUNNING"],
    });
    const warnings = gate.node.metadata.filter((entry) => entry.type === "@cdktf/warn");
    expect(warnings.map((entry) => entry.data)).toEqual([
      expect.stringMatching(/^acceptedStatuses lists STATUS_RUNNING, which this version/),
    ]);
    expect(
      JSON.parse(Testing.synth(s)).resource.terraform_data[gate.resource.friendlyUniqueId].lifecycle
        .precondition[1].condition,
    ).toContain('["STATUS_READY", "STATUS_RUNNING"]');
  });
});
