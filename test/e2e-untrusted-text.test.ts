/**
 * End to end: API text that looks like Terraform templates reaches Terraform as literal text.
 * Real `terraform plan`s; their planned values must equal the API's text exactly.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, DataResource, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { CoreweaveDeploymentData, DeploymentReadinessGate, toTerraformLiteral } from "../src";
import { deploymentFixture, InMemoryDeploymentSource } from "../src/testing";
import { offlineTerraformEnv, requireTerraform, run, TERRAFORM } from "./support/terraform";

const API_TEXT = {
  name: '${file("secrets.txt")}',
  bucket: '${upper("x")}',
  path: "%{ if true }templated%{ endif }",
  gateway: "gw-${1 + 1}",
  engineKey: "${path.module}",
  engineValue: "$${already-escaped} and ${var.x}",
  message: 'weights at ${path.root}/%{ for x in ["a"] }${x}%{ endfor }',
};
const USER_TEXT = "user note: ${not.a.reference}";

const env = offlineTerraformEnv();
let outdir: string;

beforeAll(() => {
  requireTerraform();
  outdir = mkdtempSync(join(tmpdir(), "cw-e2e-text-"));
  const body = deploymentFixture("dep-hostile", {
    name: API_TEXT.name,
    gatewayIds: [API_TEXT.gateway],
    model: { name: "m", bucket: API_TEXT.bucket, path: API_TEXT.path },
    runtime: { engine: "vllm", engineConfig: { [API_TEXT.engineKey]: API_TEXT.engineValue } },
    status: "STATUS_CREATING",
    conditions: [{ type: "Ready", status: "False", reason: "Loading", message: API_TEXT.message }],
  });
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "hostile");
  new LocalBackend(stack, { path: join(outdir, "hostile.tfstate") });
  const d = new CoreweaveDeploymentData(stack, "dep", {
    deploymentId: "dep-hostile",
    source: new InMemoryDeploymentSource({ "dep-hostile": body }),
  });
  // Used the way the README shows: outputs straight into other constructs.
  new TerraformOutput(stack, "name", { value: d.name });
  new TerraformOutput(stack, "model_uri", { value: `s3://${d.modelBucket}/${d.modelPath}` });
  new TerraformOutput(stack, "gateway_ids", { value: d.gatewayIds });
  new TerraformOutput(stack, "engine_config", { value: d.runtime?.engineConfig });
  new TerraformOutput(stack, "message", { value: d.conditions[0].message });
  new TerraformOutput(stack, "user_text", { value: toTerraformLiteral(USER_TEXT) });
  new DataResource(stack, "consumer", { input: { name: d.name, bucket: d.modelBucket } });
  app.synth();

  // A second stack gates on the same deployment: its plan error must quote the text literally.
  const gated = new App({ outdir });
  const gatedStack = new TerraformStack(gated, "hostile-gated");
  new LocalBackend(gatedStack, { path: join(outdir, "hostile-gated.tfstate") });
  const g = new CoreweaveDeploymentData(gatedStack, "dep", {
    deploymentId: "dep-hostile",
    source: new InMemoryDeploymentSource({ "dep-hostile": body }),
  });
  new DeploymentReadinessGate(gatedStack, "gate", { deployment: g });
  gated.synth();
});

function planJson(stack: string): {
  planned_values: { outputs: Record<string, { value: unknown }> };
} {
  const dir = join(outdir, "stacks", stack);
  const init = run(TERRAFORM, ["init", "-input=false", "-no-color"], dir, env);
  expect(init.code).toBe(0);
  const plan = run(TERRAFORM, ["plan", "-input=false", "-no-color", "-out=plan.bin"], dir, env);
  if (plan.code !== 0) throw new Error(`terraform plan failed:\n${plan.output}`);
  const show = run(TERRAFORM, ["show", "-json", "plan.bin"], dir, env);
  expect(show.code).toBe(0);
  return JSON.parse(show.output.trim().split("\n")[0]);
}

it("plans the API's text exactly, evaluating none of it", () => {
  const plan = planJson("hostile");
  const outputs = Object.fromEntries(
    Object.entries(plan.planned_values.outputs).map(([key, { value }]) => [key, value]),
  );
  expect(outputs).toEqual({
    name: API_TEXT.name,
    model_uri: `s3://${API_TEXT.bucket}/${API_TEXT.path}`,
    gateway_ids: [API_TEXT.gateway],
    engine_config: { [API_TEXT.engineKey]: API_TEXT.engineValue },
    message: API_TEXT.message,
    user_text: USER_TEXT,
  });
});

it("quotes the API's text literally in the gate's plan error", () => {
  const dir = join(outdir, "stacks", "hostile-gated");
  expect(run(TERRAFORM, ["init", "-input=false", "-no-color"], dir, env).code).toBe(0);
  const plan = run(TERRAFORM, ["plan", "-input=false", "-no-color"], dir, env);
  expect(plan.code).not.toBe(0);
  expect(plan.output).toContain("Resource precondition failed");
  // Terraform wraps long lines of the message; compare without line breaks.
  const text = plan.output.replace(/\s+/g, " ");
  expect(text).toContain(`message: ${API_TEXT.message.replace(/\s+/g, " ")}`);
});
